namespace CoSellNet.Crypto.Tests.Normalization;

/// <summary>The stored text form of a key: <c>d:acme.com</c>, <c>n:acme widgets</c>; read back only when already normalized.</summary>
public class MatchKeyParseTests
{
    [Theory]
    [InlineData("https://www.acme.com/", "d:acme.com")]
    [InlineData("münchen.de", "d:xn--mnchen-3ya.de")]
    [InlineData("acme.github.io", "d:acme.github.io")]
    public void Domain_keys_round_trip(string input, string stored)
    {
        var key = MatchKeys.FromDomainLike(input).Key!.Value;
        Assert.Equal(stored, key.ToString());
        Assert.Equal(key, MatchKey.Parse(stored));
    }

    [Theory]
    [InlineData("Acme Widgets, LLC", "n:acme widgets")]
    [InlineData("Société Générale S.A.", "n:société générale")]
    [InlineData("Procter & Gamble Co.", "n:procter and gamble")]
    public void Company_name_keys_round_trip(string input, string stored)
    {
        var key = MatchKeys.FromCompanyName(input).Key!.Value;
        Assert.Equal(stored, key.ToString());
        Assert.Equal(key, MatchKey.Parse(stored));
    }

    [Theory]
    [InlineData("d:www.acme.com")]
    [InlineData("d:ACME.COM")]
    [InlineData("d:https://acme.com")]
    [InlineData("d:shop.acme.com")]
    [InlineData("d:münchen.de")]
    [InlineData("d:acme.com.")]
    [InlineData("d: acme.com")]
    [InlineData("d:gmail.com")]
    [InlineData("d:co.uk")]
    [InlineData("d:10.0.0.1")]
    [InlineData("d:")]
    [InlineData("n:Acme Inc")]
    [InlineData("n:ACME")]
    [InlineData("n:the acme")]
    [InlineData("n:acme  widgets")]
    [InlineData("n: acme")]
    [InlineData("n:procter & gamble")]
    [InlineData("n:")]
    [InlineData("acme.com")]
    [InlineData("D:acme.com")]
    [InlineData("x:acme.com")]
    [InlineData("")]
    public void Unnormalized_or_unknown_text_is_refused(string stored)
    {
        Assert.Throws<FormatException>(() => MatchKey.Parse(stored));
    }

    [Fact]
    public void Null_is_an_argument_error()
    {
        Assert.Throws<ArgumentNullException>(() => MatchKey.Parse(null!));
    }

    [Fact]
    public void Equal_keys_are_equal_values_and_hash_alike()
    {
        var a = MatchKeys.FromDomainLike("www.acme.com").Key!.Value;
        var b = MatchKeys.FromDomainLike("jane@acme.com").Key!.Value;
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Single(new HashSet<MatchKey> { a, b });
        Assert.NotEqual(a, MatchKeys.FromDomainLike("acme.net").Key!.Value);
    }
}
