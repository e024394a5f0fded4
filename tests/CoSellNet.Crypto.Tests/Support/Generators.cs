using FsCheck;
using FsCheck.Fluent;

namespace CoSellNet.Crypto.Tests.Support;

/// <summary>64 uniform bytes for <see cref="PsiKey.FromUniformBytes"/>; printed in hex when a property fails.</summary>
public sealed record KeySeed(byte[] Bytes)
{
    public PsiKey ToKey() => PsiKey.FromUniformBytes(Bytes);
    public override string ToString() => Hex.Encode(Bytes);
}

/// <summary>A registrable domain such as <c>k3j9x.co.uk</c> that makes a key.</summary>
public sealed record Domain(string Value)
{
    public MatchKey Key => MatchKeys.FromDomainLike(Value).Key ?? throw new InvalidOperationException($"{Value} makes no key.");
    public override string ToString() => Value;
}

/// <summary>A company name made of words, legal forms, "The", "&amp;" and punctuation, as CRMs hold them.</summary>
public sealed record CompanyName(string Value)
{
    public override string ToString() => Value;
}

/// <summary>FsCheck generators for the crypto properties.</summary>
public static class Generators
{
    private static readonly string[] Suffixes = ["com", "de", "co.uk", "io", "org", "fr", "com.au", "github.io", "xn--p1ai"];

    private static Gen<byte[]> Bytes(int count) => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), count);

    private static Gen<string> Label(int min, int max) =>
        from length in Gen.Choose(min, max)
        from chars in Gen.ArrayOf(Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789".ToCharArray()), length)
        select new string(chars);

    public static Gen<Domain> DomainGen =>
        (from label in Label(6, 20)
         from suffix in Gen.Elements(Suffixes)
         select new Domain($"{label}.{suffix}"))
        .Where(d => MatchKeys.FromDomainLike(d.Value).IsValid);

    private static readonly string[] NameParts =
    [
        "The", "the", "THE", "&", "+", "and", "Inc.", "Inc", "LLC", "Ltd", "GmbH", "Co.", "Co", "KG", "S.A.", "AG", "Pty", "plc",
        "Acme", "ACME", "Widgets", "Société", "Générale", "Ａｃｍｅ", "O'Brien", "Procter", "Gamble", "-", ",", ".", "Sp. z o.o.",
    ];

    public static Arbitrary<CompanyName> CompanyNames() =>
        (from count in Gen.Choose(1, 6)
         from parts in Gen.ArrayOf(Gen.Elements(NameParts), count)
         select new CompanyName(string.Join(' ', parts))).ToArbitrary();

    public static Arbitrary<KeySeed> KeySeeds() =>
        Bytes(64).Select(b => new KeySeed(b)).Where(seed => seed.Bytes.AsSpan().IndexOfAnyExcept((byte)0) >= 0).ToArbitrary();

    public static Arbitrary<Domain> Domains() => DomainGen.ToArbitrary();
}
