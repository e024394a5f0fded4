using System.Globalization;

namespace CoSellNet.Crypto.Tests.Normalization;

/// <summary>
/// The Public Suffix List's own algorithm tests (publicsuffix/list tests/test_psl.txt, public domain),
/// run through <see cref="MatchKeys.FromDomainLike"/>: a registrable domain becomes the key (in punycode),
/// and where the list expects none the value gives no key.
/// </summary>
public class PublicSuffixListTests
{
    public static TheoryData<string?, string?> Cases => new()
    {
        { null, null },
        { "COM", null },
        { "example.COM", "example.com" },
        { "WwW.example.COM", "example.com" },
        { ".com", null },
        { ".example", null },
        { ".example.com", null },
        { ".example.example", null },
        { "example", null },
        { "example.example", "example.example" },
        { "b.example.example", "example.example" },
        { "a.b.example.example", "example.example" },
        { "biz", null },
        { "domain.biz", "domain.biz" },
        { "b.domain.biz", "domain.biz" },
        { "a.b.domain.biz", "domain.biz" },
        { "com", null },
        { "example.com", "example.com" },
        { "b.example.com", "example.com" },
        { "a.b.example.com", "example.com" },
        { "uk.com", null },
        { "example.uk.com", "example.uk.com" },
        { "b.example.uk.com", "example.uk.com" },
        { "a.b.example.uk.com", "example.uk.com" },
        { "test.ac", "test.ac" },
        { "mm", null },
        { "c.mm", null },
        { "b.c.mm", "b.c.mm" },
        { "a.b.c.mm", "b.c.mm" },
        { "jp", null },
        { "test.jp", "test.jp" },
        { "www.test.jp", "test.jp" },
        { "ac.jp", null },
        { "test.ac.jp", "test.ac.jp" },
        { "www.test.ac.jp", "test.ac.jp" },
        { "kyoto.jp", null },
        { "test.kyoto.jp", "test.kyoto.jp" },
        { "ide.kyoto.jp", null },
        { "b.ide.kyoto.jp", "b.ide.kyoto.jp" },
        { "a.b.ide.kyoto.jp", "b.ide.kyoto.jp" },
        { "c.kobe.jp", null },
        { "b.c.kobe.jp", "b.c.kobe.jp" },
        { "a.b.c.kobe.jp", "b.c.kobe.jp" },
        { "city.kobe.jp", "city.kobe.jp" },
        { "www.city.kobe.jp", "city.kobe.jp" },
        { "ck", null },
        { "test.ck", null },
        { "b.test.ck", "b.test.ck" },
        { "a.b.test.ck", "b.test.ck" },
        { "www.ck", "www.ck" },
        { "www.www.ck", "www.ck" },
        { "us", null },
        { "test.us", "test.us" },
        { "www.test.us", "test.us" },
        { "ak.us", null },
        { "test.ak.us", "test.ak.us" },
        { "www.test.ak.us", "test.ak.us" },
        { "k12.ak.us", null },
        { "test.k12.ak.us", "test.k12.ak.us" },
        { "www.test.k12.ak.us", "test.k12.ak.us" },
        { "食狮.com.cn", "食狮.com.cn" },
        { "食狮.公司.cn", "食狮.公司.cn" },
        { "www.食狮.公司.cn", "食狮.公司.cn" },
        { "shishi.公司.cn", "shishi.公司.cn" },
        { "公司.cn", null },
        { "食狮.中国", "食狮.中国" },
        { "www.食狮.中国", "食狮.中国" },
        { "shishi.中国", "shishi.中国" },
        { "中国", null },
        { "xn--85x722f.com.cn", "xn--85x722f.com.cn" },
        { "xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn" },
        { "www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn" },
        { "shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn" },
        { "xn--55qx5d.cn", null },
        { "xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s" },
        { "www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s" },
        { "shishi.xn--fiqs8s", "shishi.xn--fiqs8s" },
        { "xn--fiqs8s", null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Agrees_with_the_lists_own_tests(string? input, string? registrable)
    {
        var result = MatchKeys.FromDomainLike(input);
        if (registrable is null)
        {
            Assert.False(result.IsValid, $"{input} gave {result.Key}");
            Assert.Contains(result.Rejection, new[] { KeyRejection.Empty, KeyRejection.Invalid, KeyRejection.PublicSuffix });
        }
        else
        {
            Assert.Equal(new IdnMapping().GetAscii(registrable.ToLowerInvariant()), result.Key?.Value);
        }
    }

    [Fact]
    public void The_embedded_list_has_icann_and_private_rules_wildcards_and_exceptions()
    {
        var lines = ReferenceData.Lines("public_suffix_list.dat").ToList();
        Assert.Contains("co.uk", lines);
        Assert.Contains("blogspot.com", lines);
        Assert.Contains("公司.香港", lines);
        Assert.Contains("*.ck", lines);
        Assert.Contains("!www.ck", lines);
        Assert.Contains("*.kawasaki.jp", lines);
        Assert.Contains("!city.kawasaki.jp", lines);
        Assert.Contains("github.io", lines);
        Assert.True(lines.Count > 9_000);
    }

    [Fact]
    public void A_list_parsed_from_a_few_rules_applies_them_by_precedence()
    {
        var list = PublicSuffixList.Parse(["// comment", "", "com", "*.jp", "!city.jp", "uk", "co.uk", "bücher.de  trailing words are ignored"]);
        Assert.Equal(4, list.RegistrableDomainStart("www.acme.com"));
        Assert.Equal(-1, list.RegistrableDomainStart("com"));
        Assert.Equal(-1, list.RegistrableDomainStart("tokyo.jp"));
        Assert.Equal(0, list.RegistrableDomainStart("acme.tokyo.jp"));
        Assert.Equal(0, list.RegistrableDomainStart("city.jp"));
        Assert.Equal(5, list.RegistrableDomainStart("hall.city.jp"));
        Assert.Equal(2, list.RegistrableDomainStart("a.acme.co.uk"));
        Assert.Equal(-1, list.RegistrableDomainStart("xn--bcher-kva.de"));
        Assert.Equal(5, list.RegistrableDomainStart("shop.acme.xn--bcher-kva.de"));
        // No rule matches: the implicit "*" makes the last label the suffix.
        Assert.Equal(2, list.RegistrableDomainStart("a.acme.example"));
        Assert.Equal(-1, list.RegistrableDomainStart("example"));
    }
}
