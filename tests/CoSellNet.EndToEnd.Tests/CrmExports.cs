using System.Globalization;
using System.Text;

namespace CoSellNet.EndToEnd.Tests;

/// <summary>
/// A company of the generated world. Names and domains are made of invented words and a number of
/// their own, so that finding one anywhere (a database dump, a log) can only mean it leaked.
/// </summary>
/// <param name="Domain">The registrable domain, as the match key has it (punycode for <paramref name="UnicodeDomain"/>).</param>
/// <param name="NameKey">The company name as a name key reads (lower case, legal form dropped).</param>
public sealed record Company(int Id, string First, string Second, string Name, string Domain, string? UnicodeDomain, string NameKey, string Owner, string Industry, string Consultant)
{
    public string DomainKey => "d:" + Domain;
    public override string ToString() => $"{Name} ({Domain})";
}

/// <summary>How a row writes a company's website.</summary>
public enum Look
{
    /// <summary>The bare domain.</summary>
    Clean,
    /// <summary>A URL, e-mail address, subdomain, upper case, port, trailing dot...: still the company's domain.</summary>
    Messy,
    /// <summary>No website at all, only the name.</summary>
    NameOnly,
    /// <summary>A free-mail address instead of a website: never a company key.</summary>
    FreeMail,
    /// <summary>Not a website: n/a, an IP address, a public suffix, localhost...</summary>
    Garbage,
}

/// <summary>What the reader makes of a record.</summary>
public enum Fate
{
    /// <summary>A row of the list (with or without a key).</summary>
    Row,
    /// <summary>Reported with its line number and skipped.</summary>
    Problem,
    /// <summary>Left out on purpose (closed lost, mapped to skip), not a problem.</summary>
    Skipped,
}

/// <summary>A special record to plant in an export.</summary>
public enum Plant
{
    None,
    /// <summary>A population value that no default and no mapping knows.</summary>
    UnknownPopulation,
    /// <summary>Neither website nor name.</summary>
    NoWebsiteOrName,
    /// <summary>One field more than the header has.</summary>
    ExtraField,
    /// <summary>A population value mapped to skip, or a closed-lost opportunity.</summary>
    Skipped,
}

/// <summary>One account (or planted record) a partner's export is to hold.</summary>
public sealed record Entry(Company Company, string Population, Look Look = Look.Clean, Plant Plant = Plant.None, bool NoName = false, bool ShoutName = false);

/// <summary>One record written to an export, with what the CLI must make of it.</summary>
/// <param name="Website">The website cell as the reader sees it (trimmed; null when empty).</param>
/// <param name="Name">The name cell as the reader sees it (trimmed; null when empty).</param>
/// <param name="Fields">Every column that can be shared, by header (empty values left out).</param>
/// <param name="Key">The match key the row must give ("d:…" or "n:…"), computed here from the plan, not by the CLI's code; null for none.</param>
public sealed record ExportRow(string File, long Line, Fate Fate, string? Population, string? Website, string? Name,
    IReadOnlyDictionary<string, string> Fields, string? DomainKey, string? NameKey, Company Company)
{
    public string? Key(bool nameKeys) => DomainKey ?? (nameKeys && Name is not null ? NameKey : null);
}

/// <summary>A generated CRM export: its bytes and the truth about every record in it.</summary>
public sealed record Export(string FileName, string Format, byte[] Bytes, IReadOnlyList<ExportRow> Rows);

/// <summary>Deterministic generator of companies, website spellings and noise.</summary>
public sealed class World(int seed)
{
    private static readonly string[] Syllables =
    [
        "qor", "vex", "zan", "tril", "bor", "kel", "myr", "dax", "fen", "lio", "pra", "sul", "tov", "wix", "yum", "zeb",
        "gor", "hal", "jin", "kra", "lum", "nok", "osk", "pel", "quo", "rav", "sko", "tae", "ulf", "vor", "brun", "cly",
    ];
    private static readonly string[] Tlds = ["com", "com", "com", "io", "co.uk", "de", "com.au", "net"];
    private static readonly string[] Legal = ["Inc", "GmbH", "Ltd", "LLC", "S.A.", "AG", ""];
    private static readonly string[] Owners = ["Mirela Quastborn", "Tobiah Varkensel", "Ysolde Prankwith", "Odran Feltmaric", "Linnea Sorvagard"];
    private static readonly string[] Consultants = ["Berater Halvrik Ostmann", "Beraterin Juno Tessavik", "Berater Krisper Lunde"];
    private static readonly string[] Industries = ["Manufacturing", "Retail", "Financial Services", "Healthcare", "Logistics", "Energy"];
    private static readonly string[] FreeMail = ["gmail.com", "outlook.com", "yahoo.com", "gmx.de", "hotmail.com"];
    private static readonly string[] Garbage = ["n/a", "-", "none", "192.168.14.7", "co.uk", "localhost", "http://", "[::1]:8080", "not a website"];

    private readonly Random _rng = new(seed);
    private readonly HashSet<string> _tokens = [];
    private int _next = 1000;

    public List<Company> Companies { get; } = [];

    /// <summary>Every free-mail address written, to look for in the privacy scan too.</summary>
    public List<string> FreeMailAddresses { get; } = [];

    /// <summary>Other plaintext that went into the clients (changed field values...).</summary>
    public List<string> Extra { get; } = [];

    public int Next(int max) => _rng.Next(max);

    public T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    public Company NewCompany(bool idn = false, string? tld = null)
    {
        var id = _next++;
        var first = Token();
        var second = Token();
        tld ??= Pick(Tlds);
        var label = $"{first.ToLowerInvariant()}{id:D4}-{second.ToLowerInvariant()}";
        string domain;
        string? unicode = null;
        if (idn)
        {
            unicode = $"{first.ToLowerInvariant()}ö{id:D4}-{second.ToLowerInvariant()}.{tld}";
            domain = new IdnMapping().GetAscii(unicode);
        }
        else domain = $"{label}.{tld}";
        var legal = Pick(Legal);
        var name = $"{first} {second} {id:D4}" + (legal.Length > 0 ? " " + legal : "");
        var industry = id % 7 == 0 ? "" : Pick(Industries);
        var company = new Company(id, first, second, name, domain, unicode, $"{first} {second} {id:D4}".ToLowerInvariant(),
            Pick(Owners), industry, Pick(Consultants));
        Companies.Add(company);
        return company;
    }

    /// <summary>A website cell for a company as a messy CRM has it; always the company's domain once normalized.</summary>
    public string MessyWebsite(Company c)
    {
        var d = c.UnicodeDomain ?? c.Domain;
        return _rng.Next(10) switch
        {
            0 => $"https://www.{d}/products?ref=crm",
            1 => $"HTTP://{d.ToUpperInvariant()}",
            2 => $"sales@{d}",
            3 => $"mailto:Info@{d.ToUpperInvariant()}",
            4 => $"https://app.eu.{d}:8443/login",
            5 => $"www.{d}.",
            6 => $"  {d}  ",
            7 => $"//{d}/",
            8 => $"http://shop.{d}/#top",
            _ => $"Https://WWW.{d}/en-us/",
        };
    }

    public string FreeMailAddress(Company c)
    {
        var address = $"{c.First.ToLowerInvariant()}.{c.Id:D4}@{Pick(FreeMail)}";
        FreeMailAddresses.Add(address);
        return address;
    }

    public string GarbageWebsite() => Pick(Garbage);

    private string Token()
    {
        while (true)
        {
            var token = Pick(Syllables) + Pick(Syllables) + Pick(Syllables);
            if (_tokens.Add(token)) return char.ToUpperInvariant(token[0]) + token[1..];
        }
    }
}

/// <summary>CSV text written record by record, counting physical lines as a reader does (header = line 1).</summary>
public sealed class CsvText(char delimiter, string newline, bool quoteAll)
{
    private readonly StringBuilder _text = new();

    public long NextLine { get; private set; } = 1;

    public long Record(params string?[] cells) =>
        Raw(string.Join(delimiter, cells.Select(c => Quote(c ?? ""))));

    /// <summary>A line written as is (for malformed records); returns the line it starts on.</summary>
    public long Raw(string record)
    {
        var line = NextLine;
        _text.Append(record).Append(newline);
        NextLine += 1 + record.Count(ch => ch == '\n');
        return line;
    }

    public void Blank()
    {
        _text.Append(newline);
        NextLine++;
    }

    private string Quote(string cell) =>
        quoteAll || cell.IndexOfAny([delimiter, '"', '\r', '\n']) >= 0 || cell != cell.Trim()
            ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : cell;

    public byte[] Bytes(bool bom) => [.. (bom ? Encoding.UTF8.GetPreamble() : []), .. Encoding.UTF8.GetBytes(_text.ToString())];
}

/// <summary>
/// Writes CRM exports the way the CRMs do (Salesforce account and opportunity reports, HubSpot
/// company exports, a German CRM's ';'-separated list with BOM and CRLF) from a list of entries,
/// and records for every record what the CLI must make of it.
/// </summary>
public static class CrmExports
{
    public const string OwnerColumn = "Account Owner";
    public const string IndustryColumn = "Industry";
    public const string HubSpotOwnerColumn = "Company owner";
    public const string ConsultantColumn = "Berater";

    /// <summary>
    /// A Salesforce account report: every field quoted, LF, Type → population (Partner is mapped
    /// to skip by the test, Other is unknown), and the report footer after a blank line.
    /// </summary>
    public static Export SalesforceAccounts(string file, World world, IEnumerable<Entry> entries)
    {
        var csv = new CsvText(',', "\n", quoteAll: true);
        csv.Record("Account Name", "Account ID", "Type", "Website", "Billing Country", IndustryColumn, OwnerColumn);
        var rows = new List<ExportRow>();
        foreach (var e in entries)
        {
            var type = e.Plant switch
            {
                Plant.Skipped => "Partner",
                Plant.UnknownPopulation => "Other",
                _ => e.Population switch
                {
                    "customers" => world.Next(2) == 0 ? "Customer - Direct" : "Customer - Channel",
                    "prospects" => "Prospect",
                    var p => throw new ArgumentException($"A Salesforce account report has no population {p}."),
                },
            };
            var (website, name) = Cells(world, e);
            var id = $"001{e.Company.Id:D6}AAQ{world.Next(100):D2}";
            string?[] cells = [name, id, type, website, world.Pick(["United States", "Germany", "United Kingdom"]), e.Company.Industry, e.Company.Owner];
            rows.Add(Add(csv, file, e, cells, website, name,
                new() { [IndustryColumn] = e.Company.Industry, [OwnerColumn] = e.Company.Owner }));
        }
        // A Salesforce report ends with a blank line and one-column lines.
        csv.Blank();
        csv.Record("Vendor accounts");
        csv.Record("Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.");
        csv.Record("Confidential Information - Do Not Distribute");
        csv.Record("Generated By:  Report Admin  11/25/2026 3:04 PM");
        return new Export(file, "salesforce-accounts", csv.Bytes(bom: false), rows);
    }

    /// <summary>
    /// A Salesforce opportunity report (with the account's website, owner and industry): Closed Won
    /// → customers, Closed Lost → skipped, any open stage → opportunities, an empty stage unknown.
    /// </summary>
    public static Export SalesforceOpportunities(string file, World world, IEnumerable<Entry> entries)
    {
        var csv = new CsvText(',', "\n", quoteAll: true);
        csv.Record("Opportunity Name", "Account Name", "Stage", "Amount", "Close Date", "Account Website", OwnerColumn, IndustryColumn);
        var rows = new List<ExportRow>();
        foreach (var e in entries)
        {
            var stage = e.Plant switch
            {
                Plant.Skipped => "Closed Lost",
                Plant.UnknownPopulation => "",
                _ => e.Population switch
                {
                    "customers" => "Closed Won",
                    "opportunities" => world.Pick(["Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review"]),
                    var p => throw new ArgumentException($"A Salesforce opportunity report has no population {p}."),
                },
            };
            var (website, name) = Cells(world, e);
            string?[] cells = [$"{e.Company.First} renewal {world.Next(1000)}", name, stage,
                (world.Next(90) * 1000 + 5000).ToString(CultureInfo.InvariantCulture), "12/15/2026", website, e.Company.Owner, e.Company.Industry];
            rows.Add(Add(csv, file, e, cells, website, name,
                new() { [IndustryColumn] = e.Company.Industry, [OwnerColumn] = e.Company.Owner }));
        }
        return new Export(file, "salesforce-opportunities", csv.Bytes(bom: false), rows);
    }

    /// <summary>
    /// A HubSpot company export: quoted only where needed, LF, a multi-line "About" text now and
    /// then; the domain in Company Domain Name, or only a URL in Website URL.
    /// </summary>
    public static Export HubSpotCompanies(string file, World world, IEnumerable<Entry> entries)
    {
        var csv = new CsvText(',', "\n", quoteAll: false);
        csv.Record("Record ID", "Company name", "Company Domain Name", "Website URL", "Lifecycle Stage", HubSpotOwnerColumn, "Create Date", "About Us");
        var rows = new List<ExportRow>();
        foreach (var e in entries)
        {
            var stage = e.Plant switch
            {
                Plant.UnknownPopulation => "Other",
                Plant.Skipped => throw new ArgumentException("The HubSpot export of these tests maps nothing to skip."),
                _ => e.Population switch
                {
                    "customers" => world.Pick(["Customer", "Evangelist", "customer"]),
                    "prospects" => world.Pick(["Lead", "Marketing Qualified Lead", "salesqualifiedlead"]),
                    "opportunities" => "Opportunity",
                    var p => throw new ArgumentException($"A HubSpot export has no population {p}."),
                },
            };
            var (website, name) = Cells(world, e);
            // The domain column for clean domains; a URL only in Website URL for messy ones.
            var (domainCell, urlCell) = e.Look == Look.Messy && world.Next(2) == 0 ? ("", website) : (website, e.Look == Look.Clean && website!.Length > 0 ? $"https://{website}" : "");
            var about = world.Next(6) switch
            {
                0 => $"Long-time account.\nRenewal due, see \"notes\", page {world.Next(9)}",
                1 => "Imported, from the trade show list",
                _ => "",
            };
            string?[] cells = [(9_000_000 + e.Company.Id).ToString(CultureInfo.InvariantCulture), name, domainCell, urlCell, stage, e.Company.Owner, "2025-03-04 10:11", about];
            rows.Add(Add(csv, file, e, cells, website, name, new() { [HubSpotOwnerColumn] = e.Company.Owner }));
        }
        return new Export(file, "hubspot-companies", csv.Bytes(bom: false), rows);
    }

    /// <summary>
    /// A German CRM's list read through --map: ';' delimiter, UTF-8 with BOM, CRLF, quotes only
    /// where needed (a name with ';'). Status: Kunde, Interessent, Chance; Verloren is mapped to skip.
    /// </summary>
    public static Export MappedSemicolon(string file, World world, IEnumerable<Entry> entries)
    {
        var csv = new CsvText(';', "\r\n", quoteAll: false);
        csv.Record("Firmenname", "Webadresse", "Status", ConsultantColumn, "Branche");
        var rows = new List<ExportRow>();
        foreach (var e in entries)
        {
            var status = e.Plant switch
            {
                Plant.Skipped => "Verloren",
                Plant.UnknownPopulation => "Partnerfirma",
                _ => e.Population switch
                {
                    "customers" => "Kunde",
                    "prospects" => "Interessent",
                    "opportunities" => "Chance",
                    var p => throw new ArgumentException($"The mapped export has no population {p}."),
                },
            };
            var (website, name) = Cells(world, e);
            string?[] cells = [name, website, status, e.Company.Consultant, e.Company.Industry];
            rows.Add(Add(csv, file, e, cells, website, name, new() { [ConsultantColumn] = e.Company.Consultant }));
        }
        return new Export(file, "mapped", csv.Bytes(bom: true), rows);
    }

    /// <summary>
    /// A large Salesforce account report for load: <paramref name="count"/> customers with domains
    /// of their own (from <paramref name="first"/> on), and the given companies among them.
    /// </summary>
    public static (byte[] Bytes, List<string> Domains) BulkSalesforce(int count, int first, string tag, IReadOnlyList<string> planted)
    {
        var text = new StringBuilder(count * 80);
        text.Append("\"Account Name\",\"Website\",\"Type\"\n");
        var domains = new List<string>(count + planted.Count);
        for (var i = 0; i < count; i++)
        {
            var domain = $"{tag}{first + i:D7}-bulkvarn.com";
            domains.Add(domain);
            text.Append("\"Bulk ").Append(tag).Append(' ').Append(first + i).Append("\",\"https://www.").Append(domain).Append("/\",\"Customer\"\n");
        }
        foreach (var domain in planted)
        {
            domains.Add(domain);
            text.Append("\"Planted ").Append(domain).Append("\",\"").Append(domain).Append("\",\"Customer\"\n");
        }
        return (Encoding.UTF8.GetBytes(text.ToString()), domains);
    }

    /// <summary>The website and name cells of an entry.</summary>
    private static (string? Website, string? Name) Cells(World world, Entry e)
    {
        if (e.Plant == Plant.NoWebsiteOrName) return ("", "");
        var c = e.Company;
        var website = e.Look switch
        {
            Look.Clean => c.UnicodeDomain ?? c.Domain,
            Look.Messy => world.MessyWebsite(c),
            Look.NameOnly => "",
            Look.FreeMail => world.FreeMailAddress(c),
            _ => world.GarbageWebsite(),
        };
        var name = e.NoName ? "" : e.ShoutName ? $"{c.First.ToUpperInvariant()} {c.Second.ToUpperInvariant()} {c.Id:D4} AG" : c.Name;
        return (website, name);
    }

    private static ExportRow Add(CsvText csv, string file, Entry e, string?[] cells, string? website, string? name, Dictionary<string, string> fields)
    {
        var line = e.Plant == Plant.ExtraField ? csv.Record([.. cells, "stray"]) : csv.Record(cells);
        var fate = e.Plant switch
        {
            Plant.None => Fate.Row,
            Plant.Skipped => Fate.Skipped,
            _ => Fate.Problem,
        };
        var trimmedWebsite = string.IsNullOrWhiteSpace(website) ? null : website.Trim();
        var trimmedName = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        var domainKey = e.Look is Look.Clean or Look.Messy && e.Plant != Plant.NoWebsiteOrName ? e.Company.DomainKey : null;
        return new ExportRow(file, line, fate, e.Population, trimmedWebsite, trimmedName,
            fields.Where(f => f.Value.Trim().Length > 0).ToDictionary(f => f.Key, f => f.Value.Trim()),
            domainKey, "n:" + e.Company.NameKey, e.Company);
    }
}
