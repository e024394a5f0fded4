using CoSellNet.Crypto.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CoSellNet.Crypto.Tests.Psi;

/// <summary>The PSI's algebra: b·(a·H(k)) = a·(b·H(k)), and tags match exactly when keys do.</summary>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 60)]
public class PsiKeyProperties
{
    private static byte[] Blind(PsiKey key, MatchKey matchKey)
    {
        var point = new byte[PsiKey.PointSize];
        key.Blind(matchKey, point);
        return point;
    }

    private static byte[] Reblind(PsiKey key, byte[] point)
    {
        var result = new byte[PsiKey.PointSize];
        key.Reblind(point, result);
        return result;
    }

    private static byte[] Tag(byte[] point)
    {
        var tag = new byte[PsiKey.TagSize];
        PsiKey.Tag(point, tag);
        return tag;
    }

    /// <summary>What one side ends with for a key: the counterpart's scalar applied over its own.</summary>
    private static byte[] DoubleBlindedTag(PsiKey first, PsiKey second, MatchKey key) => Tag(Reblind(second, Blind(first, key)));

    [Property]
    public bool Blinding_commutes(KeySeed a, KeySeed b, Domain domain)
    {
        using var keyA = a.ToKey();
        using var keyB = b.ToKey();
        return Reblind(keyB, Blind(keyA, domain.Key)).AsSpan().SequenceEqual(Reblind(keyA, Blind(keyB, domain.Key)));
    }

    [Property]
    public bool Blinded_points_are_valid_and_differ_per_scalar(KeySeed a, KeySeed b, Domain domain)
    {
        using var keyA = a.ToKey();
        using var keyB = b.ToKey();
        var pointA = Blind(keyA, domain.Key);
        var pointB = Blind(keyB, domain.Key);
        return Ristretto255.IsValidPoint(pointA) && Ristretto255.IsValidPoint(pointB)
            && (a.Bytes.AsSpan().SequenceEqual(b.Bytes) || !pointA.AsSpan().SequenceEqual(pointB));
    }

    [Property]
    public bool Same_key_always_matches_across_both_sides(KeySeed a, KeySeed b, Domain domain)
    {
        using var keyA = a.ToKey();
        using var keyB = b.ToKey();
        // A writes the site as a URL, B has a contact's e-mail address: both normalize to the same key.
        var fromA = MatchKeys.FromDomainLike($"https://WWW.{domain.Value}/about?x=1").Key!.Value;
        var fromB = MatchKeys.FromDomainLike($"jane.doe@{domain.Value.ToUpperInvariant()}").Key!.Value;
        return DoubleBlindedTag(keyA, keyB, fromA).AsSpan().SequenceEqual(DoubleBlindedTag(keyB, keyA, fromB));
    }

    [Property]
    public Property Different_keys_never_match(KeySeed a, KeySeed b, Domain first, Domain second) =>
        Prop.Implies(first.Key != second.Key,
            () =>
            {
                using var keyA = a.ToKey();
                using var keyB = b.ToKey();
                return !DoubleBlindedTag(keyA, keyB, first.Key).AsSpan().SequenceEqual(DoubleBlindedTag(keyB, keyA, second.Key));
            });

    [Property]
    public bool Keys_of_different_kinds_with_the_same_text_do_not_match(KeySeed a, KeySeed b, Domain domain)
    {
        // The kind byte goes into the hash. Normalization never makes such a pair (names lose their dots),
        // so the internal constructor builds one to show the separation holds on its own.
        var sameText = new MatchKey(MatchKeyKind.CompanyName, domain.Key.Value);
        using var keyA = a.ToKey();
        using var keyB = b.ToKey();
        return !DoubleBlindedTag(keyA, keyB, domain.Key).AsSpan().SequenceEqual(DoubleBlindedTag(keyA, keyB, sameText));
    }

    [Property]
    public bool Normalized_domain_keys_are_fixed_points(Domain domain, PositiveInt decoration)
    {
        string[] forms =
        [
            domain.Value, $"http://{domain.Value}", $"https://www.{domain.Value}:8443/a/b?c=d#e", $"user:pw@{domain.Value}",
            $"mailto:Sales@{domain.Value}", $"{domain.Value.ToUpperInvariant()}.", $"shop.eu.{domain.Value}", $"  //{domain.Value}/  ",
        ];
        var key = MatchKeys.FromDomainLike(forms[decoration.Get % forms.Length]).Key;
        return key == domain.Key && MatchKeys.FromDomainLike(key.Value.Value).Key == key && MatchKey.Parse(key.Value.ToString()) == key;
    }

    [Property]
    public bool Company_name_keys_are_fixed_points(CompanyName name)
    {
        if (MatchKeys.FromCompanyName(name.Value).Key is not { } key) return true;
        return MatchKeys.FromCompanyName(key.Value).Key == key && MatchKey.Parse(key.ToString()) == key;
    }

    [Property]
    public bool Arbitrary_text_gives_a_key_that_is_a_fixed_point_or_none(NonEmptyString text)
    {
        if (MatchKeys.FromCompanyName(text.Get).Key is not { } key) return true;
        return MatchKeys.FromCompanyName(key.Value).Key == key;
    }
}
