using System.Security.Cryptography;

namespace CoSellNet.Crypto.Tests.Keys;

/// <summary>Everything derives deterministically from the 32-byte master secret, separately per partnership, epoch and purpose.</summary>
public class MasterSecretTests
{
    private static readonly byte[] Bytes = SHA256.HashData("master secret tests"u8);
    private static readonly MatchKey Acme = MatchKeys.FromDomainLike("acme.com").Key!.Value;

    private static byte[] BlindWith(MasterSecret secret, string partnership, int epoch, MatchKey? key = null)
    {
        using var psi = secret.DerivePsiKey(partnership, epoch);
        var point = new byte[PsiKey.PointSize];
        psi.Blind(key ?? Acme, point);
        return point;
    }

    private static byte[] RecordId(MasterSecret secret, string partnership, int epoch)
    {
        using var key = secret.DeriveRecordIdKey(partnership, epoch);
        return key.Compute("accounts", Acme);
    }

    [Fact]
    public void Derivations_are_deterministic_from_the_bytes()
    {
        using var first = MasterSecret.FromBytes(Bytes);
        using var second = MasterSecret.FromBytes(Bytes);
        Assert.Equal(first.PublicKeys.X25519, second.PublicKeys.X25519);
        Assert.Equal(first.PublicKeys.Ed25519, second.PublicKeys.Ed25519);
        Assert.Equal(BlindWith(first, "p-1", 0), BlindWith(second, "p-1", 0));
        Assert.Equal(RecordId(first, "p-1", 0), RecordId(second, "p-1", 0));
        Assert.Equal(first.Sign("m"u8), second.Sign("m"u8));
    }

    [Fact]
    public void Generated_secrets_differ()
    {
        using var first = MasterSecret.Generate();
        using var second = MasterSecret.Generate();
        Assert.NotEqual(first.PublicKeys.X25519, second.PublicKeys.X25519);
        Assert.NotEqual(BlindWith(first, "p-1", 0), BlindWith(second, "p-1", 0));
    }

    [Fact]
    public void Psi_keys_differ_per_partnership_and_epoch()
    {
        using var secret = MasterSecret.FromBytes(Bytes);
        var points = new[]
        {
            BlindWith(secret, "p-1", 0), BlindWith(secret, "p-2", 0), BlindWith(secret, "p-1", 1),
            BlindWith(secret, "p-10", 0), BlindWith(secret, "P-1", 0), BlindWith(secret, "p-1", int.MaxValue),
        };
        Assert.Equal(points.Length, points.Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public void Two_partnerships_never_make_the_same_point_for_the_same_keys()
    {
        using var secret = MasterSecret.FromBytes(Bytes);
        var keys = Enumerable.Range(0, 50).Select(i => MatchKeys.FromDomainLike($"company{i}.com").Key!.Value).ToArray();
        using var first = secret.DerivePsiKey("partnership-a", 0);
        using var second = secret.DerivePsiKey("partnership-b", 0);
        var a = new byte[keys.Length * 32];
        var b = new byte[keys.Length * 32];
        first.Blind(keys, a);
        second.Blind(keys, b);
        Assert.Empty(a.Chunk(32).Select(Convert.ToHexString).Intersect(b.Chunk(32).Select(Convert.ToHexString)));
    }

    [Fact]
    public void Record_id_keys_differ_per_partnership_and_epoch()
    {
        using var secret = MasterSecret.FromBytes(Bytes);
        var ids = new[] { RecordId(secret, "p-1", 0), RecordId(secret, "p-2", 0), RecordId(secret, "p-1", 1) };
        Assert.Equal(3, ids.Select(Convert.ToHexString).Distinct().Count());
    }

    [Theory]
    [InlineData("psi-scalar")]
    [InlineData("record-id")]
    [InlineData("fields")]
    [InlineData("x25519")]
    [InlineData("ed25519")]
    public void Each_purpose_has_its_own_output(string label)
    {
        // The labels MasterSecret uses; no two give the same bytes for the same secret, context and epoch.
        string[] labels = ["psi-scalar", "record-id", "fields", "x25519", "ed25519"];
        var mine = new byte[32];
        Derivation.Derive(Bytes, label, "p-1", 0, mine);
        foreach (var other in labels.Where(l => l != label))
        {
            var theirs = new byte[32];
            Derivation.Derive(Bytes, other, "p-1", 0, theirs);
            Assert.NotEqual(mine, theirs);
        }
    }

    [Fact]
    public void Derivation_frames_its_parts_so_shifting_bytes_between_them_changes_the_output()
    {
        static string Derive(string label, string context, int epoch)
        {
            var output = new byte[32];
            Derivation.Derive(Bytes, label, context, epoch, output);
            return Convert.ToHexString(output);
        }
        string[] outputs =
        [
            Derive("ab", "c", 0), Derive("a", "bc", 0), Derive("abc", "", 0),
            Derive("a", "b", 0), Derive("a", "b", 1), Derive("a", "b\0\0\0\0", 0),
        ];
        Assert.Equal(outputs.Length, outputs.Distinct().Count());
        Assert.Equal(Derive("a", "b", 7), Derive("a", "b", 7));
    }

    [Fact]
    public void Derivation_is_hkdf_sha256_with_the_documented_salt_and_info()
    {
        // info = label ‖ 0 ‖ len(context) as 4 bytes big-endian ‖ context ‖ epoch as 4 bytes big-endian
        byte[] info = [.. "record-id"u8, 0, 0, 0, 0, 3, .. "p-1"u8, 0, 0, 0, 5];
        var expected = HKDF.DeriveKey(HashAlgorithmName.SHA256, Bytes, 32, "CoSellNet-V1 key derivation"u8.ToArray(), info);
        var actual = new byte[32];
        Derivation.Derive(Bytes, "record-id", "p-1", 5, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        using var secret = MasterSecret.FromBytes(Bytes);
        Assert.Throws<ArgumentException>(() => MasterSecret.FromBytes(new byte[31]));
        Assert.Throws<ArgumentException>(() => MasterSecret.FromBytes(new byte[33]));
        Assert.Throws<ArgumentException>(() => secret.DerivePsiKey("", 0));
        Assert.Throws<ArgumentNullException>(() => secret.DerivePsiKey(null!, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => secret.DerivePsiKey("p-1", -1));
        Assert.Throws<ArgumentException>(() => secret.DeriveRecordIdKey("", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => secret.DeriveRecordIdKey("p-1", -1));
        Assert.Throws<ArgumentNullException>(() => secret.CreateFieldSealer(null!, "p-1", 0));
    }

    [Fact]
    public void A_disposed_secret_derives_nothing()
    {
        var secret = MasterSecret.FromBytes(Bytes);
        var publicKeys = secret.PublicKeys;
        secret.Dispose();
        Assert.Throws<ObjectDisposedException>(() => secret.DerivePsiKey("p-1", 0));
        Assert.Throws<ObjectDisposedException>(() => secret.DeriveRecordIdKey("p-1", 0));
        Assert.Throws<ObjectDisposedException>(() => secret.Sign("m"u8));
        Assert.Throws<ObjectDisposedException>(() => secret.ToKeyFile());
        Assert.Throws<ObjectDisposedException>(() => secret.CreateFieldSealer(publicKeys, "p-1", 0));
    }
}
