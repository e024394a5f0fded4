namespace CoSellNet.Crypto.Tests.Normalization;

/// <summary>Websites, URLs, e-mail addresses and host names as CRMs hold them, to registrable domains.</summary>
public class DomainKeyTests
{
    public static TheoryData<string, string> Keys => new()
    {
        // Bare domains, case, whitespace, trailing dots.
        { "acme.com", "acme.com" },
        { "ACME.COM", "acme.com" },
        { "  Acme.Com \t", "acme.com" },
        { "acme.com.", "acme.com" },
        { "acme.com..", "acme.com" },
        // URLs: scheme, userinfo, port, path, query, fragment.
        { "http://acme.com", "acme.com" },
        { "https://acme.com/", "acme.com" },
        { "HTTPS://WWW.ACME.COM/About-Us", "acme.com" },
        { "https://www.acme.com/path/to/page.html?utm_source=x&y=1#team", "acme.com" },
        { "http://user:secret@acme.com:8080/x", "acme.com" },
        { "https://acme.com:443", "acme.com" },
        { "acme.com:8080", "acme.com" },
        { "acme.com/contact", "acme.com" },
        { "acme.com?ref=crm", "acme.com" },
        { "acme.com#top", "acme.com" },
        { "//cdn.acme.com/lib.js", "acme.com" },
        { "ftp://files.acme.com/pub", "acme.com" },
        { "https://acme.com./", "acme.com" },
        // www. and other subdomains fold to eTLD+1.
        { "www.acme.com", "acme.com" },
        { "www2.acme.com", "acme.com" },
        { "www.www.acme.com", "acme.com" },
        { "shop.eu.acme.com", "acme.com" },
        { "www.acme.co.uk", "acme.co.uk" },
        { "a.b.acme.co.uk", "acme.co.uk" },
        { "acme.com.au", "acme.com.au" },
        { "sales.acme.com.au", "acme.com.au" },
        { "www.acme.de", "acme.de" },
        // E-mail addresses and mailto: links.
        { "jane@acme.com", "acme.com" },
        { "Jane.Doe+crm@Sales.ACME.com", "acme.com" },
        { "\"Doe, Jane\"@acme.com", "acme.com" },
        { "mailto:jane@acme.com", "acme.com" },
        { "MAILTO:Jane@Acme.Com?subject=Hello", "acme.com" },
        // IDN: Unicode to punycode, upper case folded, punycode kept.
        { "münchen.de", "xn--mnchen-3ya.de" },
        { "www.MÜNCHEN.de", "xn--mnchen-3ya.de" },
        { "https://bücher.münchen.de/", "xn--mnchen-3ya.de" },
        { "xn--mnchen-3ya.de", "xn--mnchen-3ya.de" },
        { "XN--MNCHEN-3YA.DE", "xn--mnchen-3ya.de" },
        { "info@münchen.de", "xn--mnchen-3ya.de" },
        { "café.fr", "xn--caf-dma.fr" },
        { "пример.рф", "xn--e1afmkfd.xn--p1ai" },
        { "www.пример.рф", "xn--e1afmkfd.xn--p1ai" },
        { "例子.中国", "xn--fsqu00a.xn--fiqs8s" },
        { "acme.公司.香港", "acme.xn--55qx5d.xn--j6w193g" },
        { "shop.acme.公司.香港", "acme.xn--55qx5d.xn--j6w193g" },
        { "ＡＣＭＥ.com", "acme.com" },
        { "acme。com", "acme.com" },
        // PSL private section: each is its own registrable domain.
        { "acme.github.io", "acme.github.io" },
        { "www.acme.github.io", "acme.github.io" },
        { "docs.acme.github.io", "acme.github.io" },
        { "acme.blogspot.com", "acme.blogspot.com" },
        // PSL wildcard and exception rules (*.ck / !www.ck, *.kawasaki.jp / !city.kawasaki.jp, *.bd).
        { "shop.acme.ck", "shop.acme.ck" },
        { "a.shop.acme.ck", "shop.acme.ck" },
        { "www.ck", "www.ck" },
        { "mail.www.ck", "www.ck" },
        { "city.kawasaki.jp", "city.kawasaki.jp" },
        { "www.city.kawasaki.jp", "city.kawasaki.jp" },
        { "hall.city.kawasaki.jp", "city.kawasaki.jp" },
        { "acme.nakahara.kawasaki.jp", "acme.nakahara.kawasaki.jp" },
        { "kawasaki.jp", "kawasaki.jp" }, // only *.kawasaki.jp is listed; "jp" prevails for the name itself
        { "acme.com.bd", "acme.com.bd" },
        { "x.acme.com.bd", "acme.com.bd" },
        { "shop.acme.eu-west-1.compute.amazonaws.com", "acme.eu-west-1.compute.amazonaws.com" },
        // Unlisted TLD: the implicit "*" rule.
        { "acme.example", "acme.example" },
        { "a.b.acme.example", "acme.example" },
        // Digits and hyphens are fine in labels.
        { "3m.com", "3m.com" },
        { "acme-widgets.com", "acme-widgets.com" },
        { "xn--80ak6aa92e.com", "xn--80ak6aa92e.com" },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void Makes_the_registrable_domain(string input, string expected)
    {
        var result = MatchKeys.FromDomainLike(input);
        Assert.True(result.IsValid, $"{input}: {result.Reason}");
        Assert.Equal(KeyRejection.None, result.Rejection);
        Assert.Null(result.Reason);
        Assert.Equal(MatchKeyKind.Domain, result.Key!.Value.Kind);
        Assert.Equal(expected, result.Key.Value.Value);
    }

    public static TheoryData<string?, KeyRejection> Rejections => new()
    {
        // Empty.
        { null, KeyRejection.Empty },
        { "", KeyRejection.Empty },
        { "   ", KeyRejection.Empty },
        { "\t\n", KeyRejection.Empty },
        // Free mail, including its subdomains and the UK/German/Russian providers.
        { "gmail.com", KeyRejection.FreeMail },
        { "jane.doe@gmail.com", KeyRejection.FreeMail },
        { "JANE@GMAIL.COM", KeyRejection.FreeMail },
        { "mailto:jane@googlemail.com", KeyRejection.FreeMail },
        { "https://mail.google.com.gmail.com", KeyRejection.FreeMail },
        { "eu.gmail.com", KeyRejection.FreeMail },
        { "jane@yahoo.co.uk", KeyRejection.FreeMail },
        { "jane@hotmail.com", KeyRejection.FreeMail },
        { "jane@outlook.com", KeyRejection.FreeMail },
        { "jane@web.de", KeyRejection.FreeMail },
        { "jane@gmx.de", KeyRejection.FreeMail },
        { "jane@mail.ru", KeyRejection.FreeMail },
        { "jane@icloud.com", KeyRejection.FreeMail },
        { "jane@protonmail.com", KeyRejection.FreeMail },
        { "www.gmail.com", KeyRejection.FreeMail },
        // IP addresses, with ports, brackets, schemes.
        { "192.168.1.1", KeyRejection.IpAddress },
        { "10.0.0.1:8080", KeyRejection.IpAddress },
        { "http://127.0.0.1/admin", KeyRejection.IpAddress },
        { "jane@192.0.2.7", KeyRejection.IpAddress },
        { "::1", KeyRejection.IpAddress },
        { "2001:db8::1", KeyRejection.IpAddress },
        { "[2001:db8::1]", KeyRejection.IpAddress },
        { "[2001:db8::1]:8443", KeyRejection.IpAddress },
        { "https://[2001:db8::1]:8443/path", KeyRejection.IpAddress },
        { "http://[::ffff:192.0.2.1]/", KeyRejection.IpAddress },
        // Bare public suffixes, ICANN and private, wildcard-implied.
        { "co.uk", KeyRejection.PublicSuffix },
        { "www.co.uk", KeyRejection.PublicSuffix },
        { "com.au", KeyRejection.PublicSuffix },
        { "github.io", KeyRejection.PublicSuffix },
        { "https://github.io/", KeyRejection.PublicSuffix },
        { "blogspot.com", KeyRejection.PublicSuffix },
        { "acme.ck", KeyRejection.PublicSuffix },
        { "nakahara.kawasaki.jp", KeyRejection.PublicSuffix },
        { "公司.香港", KeyRejection.PublicSuffix },
        { "eu-west-1.compute.amazonaws.com", KeyRejection.PublicSuffix },
        // A single label is no domain name, even when it is a TLD.
        { "com", KeyRejection.Invalid },
        { "localhost", KeyRejection.Invalid },
        { "acme", KeyRejection.Invalid },
        // Garbage.
        { "n/a", KeyRejection.Invalid },
        { "N/A", KeyRejection.Invalid },
        { "-", KeyRejection.Invalid },
        { ".", KeyRejection.Invalid },
        { "...", KeyRejection.Invalid },
        { "http://", KeyRejection.Invalid },
        { "https:///path", KeyRejection.Invalid },
        { "mailto:", KeyRejection.Invalid },
        { "jane@", KeyRejection.Invalid },
        { "acme .com", KeyRejection.Invalid },
        { "acme corp", KeyRejection.Invalid },
        { "acme_corp.com", KeyRejection.Invalid },
        { "-acme.com", KeyRejection.Invalid },
        { "acme-.com", KeyRejection.Invalid },
        { "acme..com", KeyRejection.Invalid },
        { ".acme.com", KeyRejection.Invalid },
        { "acme.123", KeyRejection.Invalid },
        { "999.1.1.1", KeyRejection.Invalid },
        { "acme!.com", KeyRejection.Invalid },
        { "acme.com/" + new string('x', 10), KeyRejection.None },
        { new string('a', 64) + ".com", KeyRejection.Invalid },
        { string.Join('.', Enumerable.Repeat(new string('a', 63), 4)) + ".com", KeyRejection.Invalid },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public void Gives_no_key_and_a_reason(string? input, KeyRejection expected)
    {
        var result = MatchKeys.FromDomainLike(input);
        Assert.Equal(expected, result.Rejection);
        Assert.Equal(expected == KeyRejection.None, result.IsValid);
        Assert.Equal(expected == KeyRejection.None, result.Reason is null);
    }

    [Fact]
    public void A_label_of_63_characters_is_fine_and_64_is_not()
    {
        Assert.Equal(new string('a', 63) + ".com", MatchKeys.FromDomainLike(new string('a', 63) + ".com").Key!.Value.Value);
        Assert.False(MatchKeys.FromDomainLike(new string('a', 64) + ".com").IsValid);
    }

    [Fact]
    public void Reasons_are_short_english()
    {
        Assert.Equal("empty", MatchKeys.FromDomainLike("").Reason);
        Assert.Equal("not a domain name", MatchKeys.FromDomainLike("n/a").Reason);
        Assert.Equal("an IP address", MatchKeys.FromDomainLike("10.0.0.1").Reason);
        Assert.Equal("a public suffix shared by many companies", MatchKeys.FromDomainLike("co.uk").Reason);
        Assert.Equal("a free e-mail provider", MatchKeys.FromDomainLike("jane@gmail.com").Reason);
    }

    [Fact]
    public void Spellings_of_one_company_make_one_key()
    {
        string[] spellings =
        [
            "acme.com", "ACME.COM", "www.acme.com", "https://www.acme.com/", "http://acme.com:80/index.html",
            "sales@acme.com", "mailto:Sales@ACME.com", "eu.shop.acme.com", "acme.com.",
        ];
        Assert.Single(spellings.Select(s => MatchKeys.FromDomainLike(s).Key).Distinct());
    }

    [Fact]
    public void A_value_that_is_its_own_key_is_the_keys_string_and_any_other_is_not()
    {
        var clean = new string("acme.com".AsSpan()); // not the interned literal
        Assert.Same(clean, MatchKeys.FromDomainLike(clean).Key!.Value.Value);
        foreach (var other in new[] { "ACME.com", " acme.com", "acme.com.", "www.acme.com", "shop.acme.com", "https://acme.com" })
        {
            var key = MatchKeys.FromDomainLike(other).Key!.Value.Value;
            Assert.Equal("acme.com", key);
            Assert.NotSame(other, key);
        }
    }

    /// <summary>Plain ASCII hosts skip IDNA: whatever IDNA would have made of them (key or rejection), the shortcut makes too.</summary>
    [Fact]
    public void Plain_ascii_hosts_give_what_idna_gives()
    {
        string[] parts =
        [
            "acme", "ACME", "a", "0", "9", "-", "--", "a-", "-a", "ab--cd", "xn--", "xn--bcher-kva", "XN--FIQS8S", "xn--zz",
            "www", "WWW", "com", "co", "uk", "io", "github", "ck", "jp", "kawasaki", "city", "gmail", "123", new string('a', 63), new string('b', 64),
        ];
        var random = new Random(5);
        var hosts = new List<string>
        {
            "www.", "www..com", ".acme.com", "acme..com", "-.com", "www.gmail.com", "mail.gmail.com", "www.ck", "a.www.ck", "city.kawasaki.jp",
            new string('a', 60) + "." + new string('b', 60) + "." + new string('c', 60) + "." + new string('d', 60) + ".com", // 248
        };
        for (var length = 240; length <= 260; length++) hosts.Add("www." + string.Join('.', Enumerable.Repeat(new string('a', 9), 30))[..(length - 8)] + ".co.uk");
        for (var i = 0; i < 20_000; i++)
        {
            var labels = Enumerable.Range(0, random.Next(1, 6)).Select(_ => parts[random.Next(parts.Length)]);
            hosts.Add(string.Join(random.Next(10) == 0 ? ".." : ".", labels));
        }
        foreach (var host in hosts)
            Assert.True(MatchKeys.FromDomainLike(host, alwaysIdna: true) == MatchKeys.FromDomainLike(host),
                $"{host}: IDNA gives {MatchKeys.FromDomainLike(host, alwaysIdna: true)}, the shortcut {MatchKeys.FromDomainLike(host)}");
    }
}
