namespace CoSellNet.Crypto.Tests.Normalization;

/// <summary>Company names to the optional second key: NFKC, case fold, "&amp;" → and, punctuation, "The" and legal forms dropped.</summary>
public class CompanyNameTests
{
    public static TheoryData<string, string> Names => new()
    {
        { "Acme", "acme" },
        { "Acme, Inc.", "acme" },
        { "ACME Inc", "acme" },
        { "Acme Incorporated", "acme" },
        { "acme inc.", "acme" },
        { "The Acme Company", "acme" },
        { "THE ACME CO.", "acme" },
        { "Acme Corp.", "acme" },
        { "Acme Corporation", "acme" },
        { "Acme LLC", "acme" },
        { "Acme, L.L.C.", "acme" },
        { "Acme Ltd.", "acme" },
        { "Acme Limited", "acme" },
        { "Acme Pty Ltd", "acme" },
        { "Acme Pty. Ltd.", "acme" },
        { "Acme plc", "acme" },
        { "Acme GmbH", "acme" },
        { "Acme GmbH & Co. KG", "acme" },
        { "Acme AG", "acme" },
        { "Acme S.A.", "acme" },
        { "Acme SA", "acme" },
        { "Acme SAS", "acme" },
        { "Acme S.p.A.", "acme" },
        { "Acme B.V.", "acme" },
        { "Acme N.V.", "acme" },
        { "Acme K.K.", "acme" },
        { "Acme Oy", "acme" },
        { "Acme AB", "acme" },
        { "Acme Sp. z o.o.", "acme" },
        { "Ａｃｍｅ", "acme" },
        { "ＡＣＭＥ　Ｉｎｃ．", "acme" },
        { "Acme Widgets, LLC", "acme widgets" },
        { "  Acme   Widgets  ", "acme widgets" },
        { "Acme-Widgets Ltd", "acme widgets" },
        { "Acme/Widgets", "acme widgets" },
        { "Société Générale S.A.", "société générale" },
        { "SOCIÉTÉ GÉNÉRALE", "société générale" },
        { "Socie\u0301te\u0301 Ge\u0301ne\u0301rale", "société générale" },
        { "Procter & Gamble Co.", "procter and gamble" },
        { "Procter and Gamble Company", "procter and gamble" },
        { "Procter + Gamble", "procter and gamble" },
        { "Johnson & Johnson", "johnson and johnson" },
        { "AT&T Inc.", "at and t" },
        { "O'Brien Ltd", "obrien" },
        { "O’Brien Ltd", "obrien" },
        { "Müller GmbH", "müller" },
        { "3M Company", "3m" },
        { "7-Eleven, Inc.", "7 eleven" },
        { "Toyota Motor Corporation", "toyota motor" },
        { "Volkswagen AG", "volkswagen" },
        { "Nestlé S.A.", "nestlé" },
        { "株式会社トヨタ", "株式会社トヨタ" },
        { "Deutsche Bank AG", "deutsche bank" },
        // "The" goes only in front, and a lone legal form or "The" is kept rather than emptied.
        { "The", "the" },
        { "Inc.", "inc" },
        { "The Inc", "inc" },
        { "The The Acme", "acme" },
        { "Theory Inc", "theory" },
        { "Acme The Company", "acme the" },
        // Legal forms only at the end.
        { "Co-operative Bank", "co operative bank" },
        { "AG Barr plc", "ag barr" },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Makes_the_normalized_name(string input, string expected)
    {
        var result = MatchKeys.FromCompanyName(input);
        Assert.True(result.IsValid, $"{input}: {result.Reason}");
        Assert.Equal(MatchKeyKind.CompanyName, result.Key!.Value.Kind);
        Assert.Equal(expected, result.Key.Value.Value);
        Assert.Equal(result.Key, MatchKeys.FromCompanyName(result.Key.Value.Value).Key);
    }

    [Fact]
    public void Spellings_of_one_company_make_one_key()
    {
        string[] spellings = ["Acme, Inc.", "ACME Inc", "The Acme Company", "Acme GmbH & Co. KG", "Acme Pty Ltd", "Ａｃｍｅ", "acme", "Acme Corp."];
        Assert.Single(spellings.Select(s => MatchKeys.FromCompanyName(s).Key).Distinct());
    }

    public static TheoryData<string?, KeyRejection> Rejections => new()
    {
        { null, KeyRejection.Empty },
        { "", KeyRejection.Empty },
        { "   ", KeyRejection.Empty },
        { "...", KeyRejection.Invalid },
        { "-", KeyRejection.Invalid },
        { "—", KeyRejection.Invalid },
        { "!!!", KeyRejection.Invalid },
        { string.Join(' ', Enumerable.Repeat("word", 60)), KeyRejection.Invalid },
        // Placeholders CRMs hold where nobody typed a name would all match each other.
        { "N/A", KeyRejection.Invalid },
        { "Unknown", KeyRejection.Invalid },
        { "TBD", KeyRejection.Invalid },
        { "none", KeyRejection.Invalid },
        { "12345", KeyRejection.Invalid },
        { "Test Inc.", KeyRejection.Invalid },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public void Gives_no_key_and_a_reason(string? input, KeyRejection expected)
    {
        var result = MatchKeys.FromCompanyName(input);
        Assert.False(result.IsValid);
        Assert.Equal(expected, result.Rejection);
        Assert.NotNull(result.Reason);
    }

    [Fact]
    public void Names_and_domains_are_different_kinds_of_key()
    {
        var name = MatchKeys.FromCompanyName("acme.com").Key!.Value;
        var domain = MatchKeys.FromDomainLike("acme.com").Key!.Value;
        Assert.Equal("acmecom", name.Value);
        Assert.NotEqual(name, domain);
    }
}
