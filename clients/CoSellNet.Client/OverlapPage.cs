using System.Buffers;
using System.Text;
using System.Text.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Client;

/// <summary>
/// One page of <c>GET .../psi/overlaps</c> read for resolving many overlaps: the same JSON as
/// <see cref="Page{T}"/> of <see cref="OverlapRecord"/>, read without an object, a list and a hex
/// string per overlap. Record ids come as bytes, back to back, ready for a lookup; populations are
/// one string each per page, not one per overlap; sealed fields (rare) as <see cref="SharedFields"/>.
/// </summary>
public sealed class OverlapPage
{
    /// <summary>The size of a record id in <see cref="RecordIds"/>.</summary>
    public const int RecordIdSize = PsiFormat.RecordIdSize;

    private static readonly IReadOnlyList<SharedFields> NoFields = [];
    private readonly string[] _myPopulations;
    private readonly IReadOnlyList<string>[] _theirPopulations;
    private readonly IReadOnlyList<SharedFields>?[] _fields;

    private OverlapPage(int count, byte[] recordIds, string[] myPopulations, IReadOnlyList<string>[] theirPopulations,
        IReadOnlyList<SharedFields>?[] fields, string? nextCursor)
    {
        Count = count;
        RecordIds = recordIds.AsMemory(0, count * RecordIdSize);
        _myPopulations = myPopulations;
        _theirPopulations = theirPopulations;
        _fields = fields;
        NextCursor = nextCursor;
    }

    /// <summary>Overlaps on this page.</summary>
    public int Count { get; }

    /// <summary>
    /// The overlaps' record ids, <see cref="RecordIdSize"/> bytes each, in page order. An id that is
    /// not 32 hex digits is all zeros here: it matches no record (ids are random, never all zeros).
    /// </summary>
    public ReadOnlyMemory<byte> RecordIds { get; }

    /// <summary>Where the next page starts; null on the last page.</summary>
    public string? NextCursor { get; }

    /// <summary>Overlap <paramref name="i"/>'s population of mine.</summary>
    public string MyPopulation(int i) => _myPopulations[i];

    /// <summary>The counterpart's populations of overlap <paramref name="i"/>; the same list object for equal lists on a page.</summary>
    public IReadOnlyList<string> TheirPopulations(int i) => _theirPopulations[i];

    /// <summary>The counterpart's sealed fields of overlap <paramref name="i"/>; empty when it shares none.</summary>
    public IReadOnlyList<SharedFields> Fields(int i) => _fields[i] ?? NoFields;

    /// <summary>Reads a page from its JSON (the whole body).</summary>
    /// <exception cref="JsonException">The body is not a page of overlaps.</exception>
    public static OverlapPage Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        // An overlap takes at least ~90 bytes of JSON: room for all of them at once, rather than grown by doubling.
        var builder = new Builder(Math.Clamp(json.Length / 80, 16, 1 << 16));
        string? cursor = null;
        Expect(ref reader, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (Is(ref reader, "items"u8))
            {
                if (Next(ref reader) == JsonTokenType.Null) continue;
                Require(ref reader, JsonTokenType.StartArray);
                while (Next(ref reader) != JsonTokenType.EndArray)
                    builder.Item(ref reader);
            }
            else if (Is(ref reader, "nextCursor"u8))
                cursor = Next(ref reader) == JsonTokenType.Null ? null : StringOf(ref reader);
            else
                SkipValue(ref reader);
        }
        return builder.Build(cursor);
    }

    /// <summary>Collects items: ids into one array, populations as shared strings, lists of them shared when equal.</summary>
    private sealed class Builder
    {
        private readonly List<(byte[] Utf8, string Text)> _names = [];
        private readonly List<string[]> _lists = [];
        private readonly List<string> _scratch = [];
        private byte[] _ids;
        private string[] _mine;
        private IReadOnlyList<string>[] _theirs;
        private IReadOnlyList<SharedFields>?[] _fields;
        private int _count;

        public Builder(int capacity)
        {
            _ids = new byte[capacity * RecordIdSize];
            _mine = new string[capacity];
            _theirs = new IReadOnlyList<string>[capacity];
            _fields = new IReadOnlyList<SharedFields>?[capacity];
        }

        public void Item(ref Utf8JsonReader reader)
        {
            Require(ref reader, JsonTokenType.StartObject);
            if (_count == _mine.Length) Grow();
            var i = _count++;
            string mine = "";
            IReadOnlyList<string> theirs = [];
            List<SharedFields>? fields = null;
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (Is(ref reader, "recordId"u8))
                {
                    Next(ref reader);
                    RecordId(ref reader, _ids.AsSpan(i * RecordIdSize, RecordIdSize));
                }
                else if (Is(ref reader, "myPopulation"u8))
                    mine = Next(ref reader) == JsonTokenType.Null ? "" : Name(ref reader);
                else if (Is(ref reader, "theirPopulations"u8))
                    theirs = Populations(ref reader);
                else if (Is(ref reader, "fields"u8))
                {
                    if (Next(ref reader) == JsonTokenType.Null) continue;
                    Require(ref reader, JsonTokenType.StartArray);
                    while (Next(ref reader) != JsonTokenType.EndArray)
                        (fields ??= []).Add(Field(ref reader));
                }
                else
                    SkipValue(ref reader);
            }
            _mine[i] = mine;
            _theirs[i] = theirs;
            _fields[i] = fields;
        }

        public OverlapPage Build(string? cursor) => new(_count, _ids, _mine, _theirs, _fields, cursor);

        private void Grow()
        {
            var size = _mine.Length * 2;
            Array.Resize(ref _ids, size * RecordIdSize);
            Array.Resize(ref _mine, size);
            Array.Resize(ref _theirs, size);
            Array.Resize(ref _fields, size);
        }

        /// <summary>32 hex digits into 16 bytes; anything else leaves zeros (the array is new, so zeros already).</summary>
        private static void RecordId(ref Utf8JsonReader reader, Span<byte> slot)
        {
            if (reader.TokenType != JsonTokenType.String) return;
            if (!reader.ValueIsEscaped)
            {
                if (reader.ValueSpan.Length != 2 * RecordIdSize || Convert.FromHexString(reader.ValueSpan, slot, out _, out _) != OperationStatus.Done)
                    slot.Clear();
                return;
            }
            var text = reader.GetString()!;
            if (text.Length != 2 * RecordIdSize || Convert.FromHexString(text, slot, out _, out _) != OperationStatus.Done)
                slot.Clear();
        }

        /// <summary>A population name as one string per distinct name on the page (there are a handful).</summary>
        private string Name(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.String)
                throw new JsonException($"A population is a string, not {reader.TokenType}.");
            if (reader.ValueIsEscaped)
            {
                var text = reader.GetString()!;
                foreach (var (_, known) in _names)
                    if (known == text) return known;
                _names.Add((Encoding.UTF8.GetBytes(text), text));
                return text;
            }
            var utf8 = reader.ValueSpan;
            foreach (var (bytes, known) in _names)
                if (utf8.SequenceEqual(bytes)) return known;
            var name = Encoding.UTF8.GetString(utf8);
            _names.Add((utf8.ToArray(), name));
            return name;
        }

        /// <summary>A list of populations, the same array for an equal list met before on this page.</summary>
        private IReadOnlyList<string> Populations(ref Utf8JsonReader reader)
        {
            if (Next(ref reader) == JsonTokenType.Null) return [];
            Require(ref reader, JsonTokenType.StartArray);
            _scratch.Clear();
            while (Next(ref reader) != JsonTokenType.EndArray)
                _scratch.Add(Name(ref reader));
            // Most pages hold one or two distinct lists: the last one matched is usually the one.
            for (var l = _lists.Count - 1; l >= 0; l--)
            {
                if (!_lists[l].AsSpan().SequenceEqual(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_scratch))) continue;
                if (l != _lists.Count - 1) (_lists[l], _lists[^1]) = (_lists[^1], _lists[l]);
                return _lists[^1];
            }
            string[] list = [.. _scratch];
            _lists.Add(list);
            return list;
        }

        private SharedFields Field(ref Utf8JsonReader reader)
        {
            Require(ref reader, JsonTokenType.StartObject);
            string? theirRecordId = null, theirPopulation = null, sealedFields = null;
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (Is(ref reader, "theirRecordId"u8)) theirRecordId = NullableString(ref reader);
                else if (Is(ref reader, "theirPopulation"u8)) theirPopulation = Next(ref reader) == JsonTokenType.Null ? null : Name(ref reader);
                else if (Is(ref reader, "sealed"u8)) sealedFields = NullableString(ref reader);
                else SkipValue(ref reader);
            }
            return new SharedFields(theirRecordId!, theirPopulation!, sealedFields!);
        }

        private static string? NullableString(ref Utf8JsonReader reader) =>
            Next(ref reader) == JsonTokenType.Null ? null : StringOf(ref reader);
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new JsonException("The page ends early.");
        return reader.TokenType;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        Next(ref reader);
        Require(ref reader, type);
    }

    private static void Require(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type) throw new JsonException($"Expected {type}, found {reader.TokenType}.");
    }

    private static string StringOf(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException($"Expected a string, found {reader.TokenType}.");

    /// <summary>The value after a property name this reader does not use, skipped whole.</summary>
    private static void SkipValue(ref Utf8JsonReader reader)
    {
        Next(ref reader);
        reader.Skip();
    }

    /// <summary>A property name, matched case-insensitively as the client's serializer options do.</summary>
    private static bool Is(ref Utf8JsonReader reader, ReadOnlySpan<byte> name) =>
        reader.ValueIsEscaped
            ? string.Equals(reader.GetString(), Encoding.UTF8.GetString(name), StringComparison.OrdinalIgnoreCase)
            : Ascii.EqualsIgnoreCase(reader.ValueSpan, name);
}
