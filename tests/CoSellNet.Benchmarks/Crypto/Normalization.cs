using BenchmarkDotNet.Attributes;
using CoSellNet.Crypto;

namespace CoSellNet.Benchmarks.Crypto;

/// <summary>
/// Match-key normalization on one core over 100,000 CRM values of the kinds a real export holds.
/// Times are per row (thread CPU time, <see cref="OneCoreConfig"/>); Op/s is rows per second.
/// </summary>
[Config(typeof(OneCoreConfig))]
[OperationsPerSecond, MemoryDiagnoser]
public class Normalization
{
    private const int Rows = 100_000;
    private string[] domainLike = [];
    private string[] companyNames = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(4);
        domainLike = new string[Rows];
        companyNames = new string[Rows];
        for (var i = 0; i < Rows; i++)
        {
            domainLike[i] = DomainLike(random, i);
            companyNames[i] = CompanyName(random, i);
        }
    }

    /// <summary>Returns how many rows gave a key, so the work cannot be skipped.</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public int FromDomainLike()
    {
        var made = 0;
        foreach (var value in domainLike)
            if (MatchKeys.FromDomainLike(value).IsValid) made++;
        return made;
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public int FromCompanyName()
    {
        var made = 0;
        foreach (var value in companyNames)
            if (MatchKeys.FromCompanyName(value).IsValid) made++;
        return made;
    }

    private static readonly string[] Words =
        ["acme", "globex", "initech", "umbrella", "stark", "wayne", "tyrell", "cyberdyne", "hooli", "vandelay",
         "northwind", "contoso", "fabrikam", "wonka", "soylent", "aperture", "massive", "dynamic", "blue", "summit"];
    private static readonly string[] Tlds = ["com", "com", "com", "de", "co.uk", "io", "fr", "com.au", "net", "nl", "ch", "co.jp"];
    private static readonly string[] FreeMail = ["gmail.com", "outlook.com", "yahoo.co.uk", "web.de", "gmx.de", "hotmail.fr"];
    private static readonly string[] Garbage =
        ["", "   ", "n/a", "none", "-", "asdf", "http://", "foo@", "localhost", "co.uk", "[::1]", "10.0.0.1", "http://192.168.1.20/admin", "test@test"];

    private static string Domain(Random r, int i) =>
        $"{Words[r.Next(Words.Length)]}{(r.Next(3) == 0 ? "-" + Words[r.Next(Words.Length)] : "")}{i % 997}.{Tlds[r.Next(Tlds.Length)]}";

    /// <summary>URLs 25%, company e-mails 20%, subdomains 15%, bare domains 15%, free-mail 10%, IDN 5%, garbage 10%.</summary>
    private static string DomainLike(Random r, int i)
    {
        var domain = Domain(r, i);
        return r.Next(100) switch
        {
            < 10 => $"https://www.{domain}/about-us?utm_source=crm",
            < 18 => $"http://{domain}",
            < 25 => $"HTTPS://WWW.{domain.ToUpperInvariant()}:443/",
            < 38 => $"jane.doe{i % 50}@{domain}",
            < 45 => $"mailto:sales@{domain}",
            < 52 => $"shop.eu.{domain}",
            < 57 => $"{Words[r.Next(Words.Length)]}{i % 997}.github.io/docs",
            < 60 => $"blog.{Words[r.Next(Words.Length)]}{i % 997}.co.uk",
            < 72 => domain,
            < 75 => $"www.{domain}.",
            < 85 => $"{Words[r.Next(Words.Length)]}.{i % 100}@{FreeMail[r.Next(FreeMail.Length)]}",
            < 88 => $"bücher-{i % 997}.de",
            < 90 => $"www.müller{i % 997}.at",
            _ => Garbage[r.Next(Garbage.Length)],
        };
    }

    private static readonly string[] LegalForms =
        ["", "", ", Inc.", " Inc", " LLC", " Ltd.", " Limited", " GmbH", " AG", " S.A.", " B.V.", " Pty Ltd", " plc",
         " Corp.", " Co.", " SAS", " S.p.A.", " K.K.", " Oy", " AB", " GmbH & Co. KG", " Sp. z o.o."];

    private static string CompanyName(Random r, int i)
    {
        string Cap(string w) => char.ToUpperInvariant(w[0]) + w[1..];
        var name = Cap(Words[r.Next(Words.Length)]) + (r.Next(2) == 0 ? " " + Cap(Words[r.Next(Words.Length)]) : "");
        return r.Next(100) switch
        {
            < 10 => $"The {name}{i % 997} Company",
            < 20 => $"{name} & {Cap(Words[r.Next(Words.Length)])}{LegalForms[r.Next(LegalForms.Length)]}",
            < 25 => $"  {name.ToUpperInvariant()}{i % 997}, INC.  ",
            < 30 => $"Müller {name}{i % 997} GmbH",
            < 33 => $"Ｗｉｄｇｅｔｓ {name}{i % 997} Ｌｔｄ",   // full-width, folded by NFKC
            < 36 => $"O'Brien's {name}{i % 997} Pty. Ltd.",
            < 38 => Garbage[r.Next(Garbage.Length)],
            _ => $"{name}{i % 997}{LegalForms[r.Next(LegalForms.Length)]}",
        };
    }
}
