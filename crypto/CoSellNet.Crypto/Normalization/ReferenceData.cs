using System.Globalization;

namespace CoSellNet.Crypto;

/// <summary>The embedded Public Suffix List and free-mail list (see Data/NOTICE.md), loaded once on first use.</summary>
internal static class ReferenceData
{
    private static readonly Lazy<PublicSuffixList> suffixes = new(() => PublicSuffixList.Parse(Lines("public_suffix_list.dat")));
    private static readonly Lazy<NameTable> freeMail = new(LoadFreeMail);

    public static PublicSuffixList PublicSuffixes => suffixes.Value;

    public static NameTable FreeMailDomains => freeMail.Value;

    internal static IEnumerable<string> Lines(string name)
    {
        using var stream = typeof(ReferenceData).Assembly.GetManifestResourceStream($"CoSellNet.Crypto.Data.{name}")
            ?? throw new InvalidOperationException($"The embedded resource {name} is missing from CoSellNet.Crypto.");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line) yield return line;
    }

    private static NameTable LoadFreeMail()
    {
        var idn = new IdnMapping();
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in Lines("free_email_domains.txt"))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            set.Add(idn.GetAscii(line.ToLowerInvariant()));
        }
        return new NameTable(set.Select(domain => KeyValuePair.Create(domain, (byte)1)));
    }
}
