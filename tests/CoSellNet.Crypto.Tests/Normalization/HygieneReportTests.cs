namespace CoSellNet.Crypto.Tests.Normalization;

/// <summary>What normalizing a list did: counts, duplicates, and rows without a key by reason with line numbers.</summary>
public class HygieneReportTests
{
    private static readonly string[] Websites =
    [
        "https://www.acme.com/",   // 1: key acme.com
        "jane@acme.com",           // 2: duplicate of 1
        "globex.co.uk",            // 3: key
        "",                        // 4: empty
        "n/a",                     // 5: invalid
        "bob@gmail.com",           // 6: free mail
        "10.0.0.1",                // 7: IP address
        "co.uk",                   // 8: public suffix
        "http://shop.globex.co.uk",// 9: duplicate of 3
        "initech.com",             // 10: key
        "-",                       // 11: invalid
        "ACME.COM",                // 12: duplicate of 1
        "alice@yahoo.co.uk",       // 13: free mail
        "   ",                     // 14: empty
        "http://",                 // 15: invalid
    ];

    private static (HygieneReport Report, List<bool> New) Run(IEnumerable<string> values)
    {
        var report = new HygieneReport();
        var isNew = values.Select((value, i) => report.Add(i + 1, MatchKeys.FromDomainLike(value))).ToList();
        return (report, isNew);
    }

    [Fact]
    public void Counts_rows_keys_duplicates_and_rejections()
    {
        var (report, _) = Run(Websites);
        Assert.Equal(15, report.RowsRead);
        Assert.Equal(3, report.KeysMade);
        Assert.Equal(3, report.DuplicatesFolded);
        Assert.Equal(9, report.RowsWithoutKey);
        Assert.Equal(report.RowsRead, report.KeysMade + report.DuplicatesFolded + report.RowsWithoutKey);
    }

    [Fact]
    public void Add_says_whether_the_rows_key_is_new()
    {
        var (_, isNew) = Run(Websites);
        var newLines = isNew.Select((n, i) => (n, line: i + 1)).Where(x => x.n).Select(x => x.line);
        Assert.Equal([1, 3, 10], newLines);
    }

    [Fact]
    public void Rejections_list_line_numbers_by_reason_in_order()
    {
        var (report, _) = Run(Websites);
        Assert.Equal(5, report.Rejections.Count);
        Assert.Equal([4L, 14L], report.Rejections[KeyRejection.Empty]);
        Assert.Equal([5L, 11L, 15L], report.Rejections[KeyRejection.Invalid]);
        Assert.Equal([6L, 13L], report.Rejections[KeyRejection.FreeMail]);
        Assert.Equal([7L], report.Rejections[KeyRejection.IpAddress]);
        Assert.Equal([8L], report.Rejections[KeyRejection.PublicSuffix]);
        Assert.False(report.Rejections.ContainsKey(KeyRejection.None));
    }

    [Fact]
    public void Describe_summarizes_for_a_person_most_common_reason_first()
    {
        var (report, _) = Run(Websites);
        var lines = report.Describe().Split(Environment.NewLine);
        Assert.Equal("15 rows read, 3 keys made, 3 duplicates folded, 9 rows without a key", lines[0]);
        Assert.Equal("  not a domain name: 3 (lines 5, 11, 15)", lines[1]);
        Assert.Contains("  empty: 2 (lines 4, 14)", lines);
        Assert.Contains("  a free e-mail provider: 2 (lines 6, 13)", lines);
        Assert.Contains("  an IP address: 1 (lines 7)", lines);
        Assert.Contains("  a public suffix shared by many companies: 1 (lines 8)", lines);
        Assert.Equal(6, lines.Length);
    }

    [Fact]
    public void Describe_lists_at_most_max_lines_per_reason()
    {
        var (report, _) = Run(Enumerable.Repeat("n/a", 25));
        var text = report.Describe(maxLines: 3);
        Assert.EndsWith("  not a domain name: 25 (lines 1, 2, 3 and 22 more)", text);
        Assert.Contains("lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 15 more", report.Describe());
    }

    [Fact]
    public void An_empty_report_says_so()
    {
        var report = new HygieneReport();
        Assert.Equal("0 rows read, 0 keys made, 0 duplicates folded, 0 rows without a key", report.Describe());
        Assert.Empty(report.Rejections);
    }

    [Fact]
    public void A_caller_that_keeps_its_own_set_of_keys_gets_the_same_report()
    {
        var (own, isNew) = Run(Websites);
        var report = new HygieneReport();
        for (var i = 0; i < Websites.Length; i++) report.Add(i + 1, MatchKeys.FromDomainLike(Websites[i]), newKey: isNew[i]);

        Assert.Equal((own.RowsRead, own.KeysMade, own.DuplicatesFolded, own.RowsWithoutKey), (report.RowsRead, report.KeysMade, report.DuplicatesFolded, report.RowsWithoutKey));
        Assert.Equal(own.Describe(), report.Describe());
    }

    [Fact]
    public void Company_name_keys_and_domain_keys_are_counted_apart()
    {
        var report = new HygieneReport();
        Assert.True(report.Add(1, MatchKeys.FromDomainLike("acme.com")));
        Assert.True(report.Add(2, MatchKeys.FromCompanyName("Acme, Inc.")));
        Assert.False(report.Add(3, MatchKeys.FromCompanyName("ACME Inc")));
        Assert.Equal(2, report.KeysMade);
        Assert.Equal(1, report.DuplicatesFolded);
    }
}
