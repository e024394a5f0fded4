using System.Security.Cryptography;

namespace CoSellNet.Crypto.Tests.Keys;

/// <summary>Shared fields sealed by one partner open only for the counterpart, for the same record, partnership and epoch.</summary>
public class FieldSealerTests
{
    private static readonly MasterSecret Alice = MasterSecret.FromBytes(SHA256.HashData("alice"u8));
    private static readonly MasterSecret Bob = MasterSecret.FromBytes(SHA256.HashData("bob"u8));
    private static readonly MasterSecret Mallory = MasterSecret.FromBytes(SHA256.HashData("mallory"u8));
    private static readonly byte[] Record = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
    private static readonly byte[] OtherRecord = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
    private static readonly byte[] Fields = "{\"owner\":\"jane@acme.com\",\"stage\":\"negotiation\"}"u8.ToArray();

    private static byte[] SealedByAlice(string partnership = "p-1", int epoch = 0, byte[]? record = null)
    {
        using var sealer = Alice.CreateFieldSealer(Bob.PublicKeys, partnership, epoch);
        return sealer.Seal(record ?? Record, Fields);
    }

    private static byte[] OpenedByBob(byte[] sealedValue, string partnership = "p-1", int epoch = 0, byte[]? record = null)
    {
        using var opener = Bob.CreateFieldSealer(Alice.PublicKeys, partnership, epoch);
        return opener.Open(record ?? Record, sealedValue);
    }

    [Fact]
    public void Alice_seals_and_Bob_opens()
    {
        var sealedValue = SealedByAlice();
        Assert.Equal(Fields.Length + FieldSealer.Overhead, sealedValue.Length);
        Assert.Equal(28, FieldSealer.Overhead);
        Assert.Equal(Fields, OpenedByBob(sealedValue));
    }

    [Fact]
    public void Both_directions_work_and_an_empty_value_too()
    {
        using var bob = Bob.CreateFieldSealer(Alice.PublicKeys, "p-1", 0);
        using var alice = Alice.CreateFieldSealer(Bob.PublicKeys, "p-1", 0);
        Assert.Equal(Fields, alice.Open(Record, bob.Seal(Record, Fields)));
        Assert.Empty(alice.Open(Record, bob.Seal(Record, [])));
    }

    [Fact]
    public void Sealing_is_randomized()
    {
        var first = SealedByAlice();
        var second = SealedByAlice();
        Assert.NotEqual(first, second);
        Assert.Equal(OpenedByBob(first), OpenedByBob(second));
        Assert.False(first.AsSpan().IndexOf(Fields.AsSpan(0, 16)) >= 0, "plaintext must not appear in the sealed value");
    }

    [Fact]
    public void Another_record_id_fails() =>
        Assert.Throws<CryptographicException>(() => OpenedByBob(SealedByAlice(), record: OtherRecord));

    [Fact]
    public void Another_epoch_fails() =>
        Assert.Throws<CryptographicException>(() => OpenedByBob(SealedByAlice(epoch: 0), epoch: 1));

    [Fact]
    public void Another_partnership_fails() =>
        Assert.Throws<CryptographicException>(() => OpenedByBob(SealedByAlice(partnership: "p-1"), partnership: "p-2"));

    [Fact]
    public void The_sealer_cannot_open_its_own_value_reflected_back()
    {
        // The pairwise key is symmetric; the sealer's public key in the associated data stops reflection.
        var sealedValue = SealedByAlice();
        using var alice = Alice.CreateFieldSealer(Bob.PublicKeys, "p-1", 0);
        var e = Assert.Throws<CryptographicException>(() => alice.Open(Record, sealedValue));
        Assert.Contains("do not open", e.Message);
    }

    [Fact]
    public void A_third_partner_cannot_open()
    {
        var sealedValue = SealedByAlice();
        using var mallory = Mallory.CreateFieldSealer(Alice.PublicKeys, "p-1", 0);
        Assert.Throws<CryptographicException>(() => mallory.Open(Record, sealedValue));
    }

    [Fact]
    public void A_value_sealed_for_someone_else_does_not_open_for_Bob()
    {
        using var forMallory = Alice.CreateFieldSealer(Mallory.PublicKeys, "p-1", 0);
        var sealedValue = forMallory.Seal(Record, Fields);
        Assert.Throws<CryptographicException>(() => OpenedByBob(sealedValue));
    }

    [Theory]
    [InlineData(0)]   // nonce
    [InlineData(11)]  // last nonce byte
    [InlineData(12)]  // first ciphertext byte
    [InlineData(-1)]  // last tag byte
    [InlineData(-16)] // first tag byte
    public void Tampering_with_any_part_fails(int index)
    {
        var sealedValue = SealedByAlice();
        sealedValue[index < 0 ? sealedValue.Length + index : index] ^= 0x01;
        Assert.Throws<CryptographicException>(() => OpenedByBob(sealedValue));
    }

    [Fact]
    public void Truncated_or_extended_values_fail()
    {
        var sealedValue = SealedByAlice();
        Assert.Throws<CryptographicException>(() => OpenedByBob(sealedValue[..^1]));
        Assert.Throws<CryptographicException>(() => OpenedByBob([.. sealedValue, 0]));
        Assert.Throws<CryptographicException>(() => OpenedByBob(sealedValue[..27]));
        Assert.Throws<CryptographicException>(() => OpenedByBob([]));
    }

    [Fact]
    public void Record_ids_must_be_16_bytes()
    {
        using var sealer = Alice.CreateFieldSealer(Bob.PublicKeys, "p-1", 0);
        Assert.Throws<ArgumentException>(() => sealer.Seal(new byte[15], Fields));
        Assert.Throws<ArgumentException>(() => sealer.Open(new byte[17], SealedByAlice()));
    }

    [Fact]
    public void Works_with_a_document_parsed_from_the_wire()
    {
        var bob = Bob.PublicKeys;
        Assert.True(PublicKeyDocument.TryParse(bob.Version, bob.X25519, bob.Ed25519, out var parsed, out _));
        using var sealer = Alice.CreateFieldSealer(parsed, "p-1", 0);
        Assert.Equal(Fields, OpenedByBob(sealer.Seal(Record, Fields)));
    }
}
