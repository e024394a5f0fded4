using System.Globalization;
using System.Text;
using CoSellNet.Crypto;

namespace CoSellNet.Benchmarks.Mapping;

/// <summary>
/// Two partners' Salesforce account reports ("Account Name","Website","Type") of <c>size</c>
/// customers each, of which <c>shared</c> are the same companies: each side writes the website of
/// a shared company differently (scheme, <c>www.</c>, path, case), so the match depends on the
/// CLI's normalization as it would with real exports. Rows are shuffled with a fixed seed.
/// </summary>
internal sealed class CrmExport
{
    private static readonly string[] Tlds = ["com", "io", "de", "co.uk", "net", "fr", "com.au", "nl"];
    private static readonly string[] Words =
        ["alder", "brisk", "corvan", "delta", "ember", "fjord", "gable", "harbor", "indigo", "juniper", "kestrel", "lumen",
         "meadow", "nimbus", "onyx", "pillar", "quartz", "raven", "sable", "tundra", "umber", "vector", "willow", "zephyr"];
    private static readonly string[] Forms = ["Inc.", "GmbH", "Ltd", "LLC", "S.A.", "B.V.", "Pty Ltd", "SAS"];

    private CrmExport(string path, int rows, IReadOnlyList<MatchKey> keys)
    {
        Path = path;
        Rows = rows;
        Keys = keys;
    }

    public string Path { get; }
    public int Rows { get; }

    /// <summary>The match key of every row, in file order: what the CLI must make of the file (the crypto floor blinds these).</summary>
    public IReadOnlyList<MatchKey> Keys { get; }

    /// <summary>Writes both exports into <paramref name="directory"/>; returns them and the planted overlap (match key values).</summary>
    public static (CrmExport A, CrmExport B, HashSet<string> Shared) Write(string directory, int size, int shared, int seed)
    {
        var random = new Random(seed);
        // Company numbers: [0, shared) both sides, [shared, size) only A, [size, 2·size − shared) only B.
        var a = Enumerable.Range(0, size).ToArray();
        var b = Enumerable.Range(0, shared).Concat(Enumerable.Range(size, size - shared)).ToArray();
        random.Shuffle(a);
        random.Shuffle(b);
        var planted = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < shared; i++) planted.Add(Domain(i));
        return (WriteFile(System.IO.Path.Combine(directory, "partner-a-accounts.csv"), a, side: 0, random),
                WriteFile(System.IO.Path.Combine(directory, "partner-b-accounts.csv"), b, side: 1, random),
                planted);
    }

    /// <summary>The registrable domain of company <paramref name="n"/>: distinct for every n.</summary>
    public static string Domain(int n) =>
        $"{Words[n % Words.Length]}{Words[n / Words.Length % Words.Length]}-{n.ToString("x", CultureInfo.InvariantCulture)}.{Tlds[n / 7 % Tlds.Length]}";

    private static CrmExport WriteFile(string path, int[] companies, int side, Random random)
    {
        var keys = new List<MatchKey>(companies.Length);
        using (var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)) { NewLine = "\r\n" })
        {
            writer.WriteLine("\"Account Name\",\"Website\",\"Type\"");
            foreach (var n in companies)
            {
                var domain = Domain(n);
                var website = Website(domain, side, random);
                keys.Add(MatchKeys.FromDomainLike(website).Key ?? throw new InvalidOperationException($"No key for {website}"));
                var first = Words[n % Words.Length];
                var name = $"{char.ToUpperInvariant(first[0])}{first[1..]} {Words[(n / 3) % Words.Length]} {n}, {Forms[n % Forms.Length]}";
                writer.WriteLine($"\"{name}\",\"{website}\",\"{(random.Next(4) == 0 ? "Customer - Direct" : "Customer")}\"");
            }
        }
        return new CrmExport(path, companies.Length, keys);
    }

    /// <summary>How a CRM user typed the website: A mostly full URLs, B mostly bare hosts.</summary>
    private static string Website(string domain, int side, Random random) => (side, random.Next(4)) switch
    {
        (0, 0) => $"https://www.{domain}/",
        (0, 1) => $"http://{domain}/contact-us",
        (0, 2) => $"www.{domain}",
        (0, _) => domain,
        (_, 0) => domain.ToUpperInvariant(),
        (_, 1) => $"https://{domain}",
        (_, 2) => $"WWW.{domain}",
        _ => domain,
    };
}
