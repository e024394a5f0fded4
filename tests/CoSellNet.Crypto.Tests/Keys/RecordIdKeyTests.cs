using System.Security.Cryptography;

namespace CoSellNet.Crypto.Tests.Keys;

/// <summary>Record ids: stable per (population, key) within a partnership and epoch, unlinkable across them.</summary>
public class RecordIdKeyTests
{
    private static readonly MasterSecret Secret = MasterSecret.FromBytes(SHA256.HashData("record id tests"u8));
    private static readonly MatchKey Acme = MatchKeys.FromDomainLike("acme.com").Key!.Value;
    private static readonly MatchKey Globex = MatchKeys.FromDomainLike("globex.com").Key!.Value;

    private static string Id(string partnership, int epoch, string population, MatchKey key)
    {
        using var recordIds = Secret.DeriveRecordIdKey(partnership, epoch);
        return Convert.ToHexString(recordIds.Compute(population, key));
    }

    [Fact]
    public void Same_population_and_key_keep_their_id_across_uploads()
    {
        Assert.Equal(Id("p-1", 0, "accounts", Acme), Id("p-1", 0, "accounts", Acme));
        // Any spelling that normalizes to the key gives the id.
        Assert.Equal(Id("p-1", 0, "accounts", Acme), Id("p-1", 0, "accounts", MatchKeys.FromDomainLike("https://www.ACME.com/x").Key!.Value));
        Assert.Equal(32, Id("p-1", 0, "accounts", Acme).Length);
    }

    [Fact]
    public void Ids_differ_per_key_population_partnership_and_epoch()
    {
        string[] ids =
        [
            Id("p-1", 0, "accounts", Acme),
            Id("p-1", 0, "accounts", Globex),
            Id("p-1", 0, "customers", Acme),
            Id("p-1", 0, "accounts2", Acme),
            Id("p-2", 0, "accounts", Acme),
            Id("p-1", 1, "accounts", Acme),
            Id("p-1", 0, "accounts", MatchKeys.FromCompanyName("acme.com").Key!.Value),
        ];
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Fact]
    public void Kind_is_part_of_the_id()
    {
        // Same text, different kind (built with the internal constructor; normalization never makes such a pair).
        var name = new MatchKey(MatchKeyKind.CompanyName, "acme.com");
        Assert.NotEqual(Id("p-1", 0, "accounts", Acme), Id("p-1", 0, "accounts", name));
    }

    [Fact]
    public void Span_and_array_overloads_agree()
    {
        using var recordIds = Secret.DeriveRecordIdKey("p-1", 0);
        var span = new byte[RecordIdKey.Size];
        recordIds.Compute("accounts", Acme, span);
        Assert.Equal(recordIds.Compute("accounts", Acme), span);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        using var recordIds = Secret.DeriveRecordIdKey("p-1", 0);
        Assert.Throws<ArgumentException>(() => recordIds.Compute("", Acme));
        Assert.Throws<ArgumentNullException>(() => recordIds.Compute(null!, Acme));
        Assert.Throws<ArgumentException>(() => recordIds.Compute("accounts", default));
        Assert.Throws<ArgumentException>(() => recordIds.Compute("accounts", Acme, new byte[15]));
        Assert.Throws<ArgumentException>(() => recordIds.Compute(new string('p', 257), Acme));
        Assert.Equal(16, recordIds.Compute(new string('p', 256), Acme).Length);
    }

    [Fact]
    public void Longest_keys_fit_even_at_three_utf8_bytes_a_character()
    {
        var longest = MatchKeys.FromCompanyName(new string('中', MatchKey.MaxLength)).Key!.Value;
        Assert.Equal(MatchKey.MaxLength, longest.Value.Length);
        Assert.False(MatchKeys.FromCompanyName(new string('中', MatchKey.MaxLength + 1)).IsValid);
        using var recordIds = Secret.DeriveRecordIdKey("p-1", 0);
        Assert.Equal(16, recordIds.Compute(new string('p', 256), longest).Length);
        using var psi = Secret.DerivePsiKey("p-1", 0);
        var point = new byte[32];
        psi.Blind(longest, point);
        Assert.True(Ristretto255.IsValidPoint(point));
    }
}
