using System.Buffers.Text;
using System.Text;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;

namespace CoSellNet.Api.Paging;

/// <summary>Opaque page cursors: base64url of the last key of the previous page.</summary>
public static class Cursor
{
    public static string Encode(string lastKey) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(lastKey));

    /// <summary>Decodes a cursor and checks the page size, refusing either with a validation problem.</summary>
    public static (string? After, int Limit) Read(string? cursor, int? limit)
    {
        var v = new Validator();
        var size = limit ?? Vocabulary.DefaultPageSize;
        v.Require(size is >= 1 and <= Vocabulary.MaxPageSize, "limit", $"must be between 1 and {Vocabulary.MaxPageSize}.");
        string? after = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            try { after = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)); }
            catch (FormatException) { v.Add("cursor", "is not a cursor this node issued; pass nextCursor from the previous page unchanged."); }
        }
        v.ThrowIfInvalid();
        return (after, size);
    }

    /// <summary>Pages an ordered list by key.</summary>
    public static Page<T> Page<T>(IEnumerable<T> ordered, Func<T, string> key, string? after, int limit)
    {
        var items = ordered.Where(x => after is null || string.CompareOrdinal(key(x), after) > 0).Take(limit + 1).ToList();
        return Of(items, key, limit);
    }

    /// <summary>A page from up to limit+1 items: the extra one only says that more follow.</summary>
    public static Page<T> Of<T>(List<T> items, Func<T, string> key, int limit)
    {
        if (items.Count <= limit) return new Page<T>(items, null);
        items.RemoveAt(limit);
        return new Page<T>(items, Encode(key(items[^1])));
    }
}
