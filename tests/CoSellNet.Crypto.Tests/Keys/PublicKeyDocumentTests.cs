using System.Buffers.Text;
using CoSellNet.Crypto.Tests.Support;

namespace CoSellNet.Crypto.Tests.Keys;

/// <summary>The versioned public-key document the node stores, read from untrusted input.</summary>
public class PublicKeyDocumentTests
{
    private static readonly MasterSecret Alice = MasterSecret.FromBytes(Enumerable.Repeat((byte)0xA1, 32).ToArray());
    private static readonly MasterSecret Bob = MasterSecret.FromBytes(Enumerable.Repeat((byte)0xB0, 32).ToArray());

    private static string B64(string hex) => Base64Url.EncodeToString(Hex.Decode(hex));

    private static string? Error(int version, string? x25519, string? ed25519)
    {
        Assert.False(PublicKeyDocument.TryParse(version, x25519, ed25519, out var document, out var error));
        Assert.Null(document);
        return error;
    }

    [Fact]
    public void A_partners_own_document_parses_back_to_the_same_keys()
    {
        var keys = Alice.PublicKeys;
        Assert.Equal(PublicKeyDocument.CurrentVersion, keys.Version);
        Assert.Equal(43, keys.X25519.Length);
        Assert.Equal(43, keys.Ed25519.Length);
        Assert.True(PublicKeyDocument.TryParse(keys.Version, keys.X25519, keys.Ed25519, out var parsed, out var error));
        Assert.Null(error);
        Assert.Equal(keys.X25519, parsed.X25519);
        Assert.Equal(keys.Ed25519, parsed.Ed25519);
        Assert.NotEqual(keys.X25519, Bob.PublicKeys.X25519);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(-1)]
    public void Other_versions_are_refused(int version)
    {
        Assert.Contains($"version {version} is not supported", Error(version, Alice.PublicKeys.X25519, Alice.PublicKeys.Ed25519));
    }

    public static TheoryData<string?> BadEncodings
    {
        get
        {
            var good = Alice.PublicKeys.X25519;
            var bytes = Base64Url.DecodeFromChars(good);
            return new TheoryData<string?>
            {
                null,
                "",
                good[..42],                                  // too short
                good + "AAAA",                               // too long
                good + "=",                                  // padded
                Convert.ToBase64String(bytes),               // standard base64 with padding
                Base64Url.EncodeToString(bytes[..31]),       // 31 bytes
                Base64Url.EncodeToString([.. bytes, 0]),     // 33 bytes
                good[..42] + NonCanonicalLast(good[42]),     // an unused low bit set: a second spelling of the same bytes
                good[..20] + " " + good[21..],               // whitespace inside
                good[..20] + "!" + good[21..],               // not an alphabet character
                good[..20] + "+" + good[21..],               // standard-alphabet character
                good[..20] + "/" + good[21..],
            };
        }
    }

    // The 43rd character carries 4 bits of data and 2 unused bits; setting an unused bit keeps the decoded bytes.
    private static char NonCanonicalLast(char last)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return alphabet[alphabet.IndexOf(last) | 1];
    }

    [Theory]
    [MemberData(nameof(BadEncodings))]
    public void Bad_x25519_encodings_are_refused(string? x25519)
    {
        Assert.Contains("x25519 must be", Error(1, x25519, Alice.PublicKeys.Ed25519));
    }

    [Theory]
    [MemberData(nameof(BadEncodings))]
    public void Bad_ed25519_encodings_are_refused(string? ed25519)
    {
        // The same malformations applied to the X25519 key's text are just as bad for the Ed25519 field.
        Assert.Contains("ed25519 must be", Error(1, Alice.PublicKeys.X25519, ed25519));
    }

    /// <summary>libsodium's X25519 blocklist (crypto_scalarmult/curve25519/ref10/x25519_ref10.c): small-order u-coordinates.</summary>
    public static TheoryData<string, string> SmallOrderX25519 => new()
    {
        { "0 (order 4)", "0000000000000000000000000000000000000000000000000000000000000000" },
        { "1 (order 1)", "0100000000000000000000000000000000000000000000000000000000000000" },
        { "order 8", "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800" },
        { "order 8", "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157" },
        { "p-1 (order 2)", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
        { "p (= 0, order 4)", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
        { "p+1 (= 1, order 1)", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
        // X25519 ignores the top bit (RFC 7748), so the same points with it set are just as small.
        { "0 with the top bit", "0000000000000000000000000000000000000000000000000000000000000080" },
        { "1 with the top bit", "0100000000000000000000000000000000000000000000000000000000000080" },
        { "order 8 with the top bit", "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880" },
        { "order 8 with the top bit", "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7" },
        { "p-1 with the top bit", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
        { "p with the top bit", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
        { "p+1 with the top bit", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
    };

    [Theory]
    [MemberData(nameof(SmallOrderX25519))]
    public void Small_order_x25519_keys_are_refused(string why, string hex)
    {
        Assert.True(Error(1, B64(hex), Alice.PublicKeys.Ed25519)?.Contains("large order"), why);
    }

    public static TheoryData<string, string> InvalidEd25519 => new()
    {
        { "y = 2 is not on the curve", "0200000000000000000000000000000000000000000000000000000000000000" },
        { "identity (y = 1)", "0100000000000000000000000000000000000000000000000000000000000000" },
        { "order 2 (y = -1)", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
        { "order 4 (y = 0)", "0000000000000000000000000000000000000000000000000000000000000000" },
        { "order 4 (y = 0, other x)", "0000000000000000000000000000000000000000000000000000000000000080" },
        { "non-canonical y = p", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
        { "non-canonical y = p + 1", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
        { "order 8 (RFC 8032 torsion)", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a" },
        { "order 8 (RFC 8032 torsion)", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05" },
    };

    [Theory]
    [MemberData(nameof(InvalidEd25519))]
    public void Invalid_or_small_order_ed25519_keys_are_refused(string why, string hex)
    {
        Assert.True(Error(1, Alice.PublicKeys.X25519, B64(hex))?.Contains("ed25519 must be"), why);
    }

    [Fact]
    public void Signatures_verify_against_the_signers_document_only()
    {
        var message = "partnership p-42, epoch 3, upload 7"u8.ToArray();
        var signature = Alice.Sign(message);
        Assert.Equal(64, signature.Length);
        Assert.True(Alice.PublicKeys.Verify(message, signature));
        Assert.True(PublicKeyDocument.TryParse(1, Alice.PublicKeys.X25519, Alice.PublicKeys.Ed25519, out var parsed, out _));
        Assert.True(parsed.Verify(message, signature));

        Assert.False(Bob.PublicKeys.Verify(message, signature));
        Assert.False(Alice.PublicKeys.Verify("partnership p-42, epoch 3, upload 8"u8, signature));
        var flipped = (byte[])signature.Clone();
        flipped[10] ^= 1;
        Assert.False(Alice.PublicKeys.Verify(message, flipped));
        Assert.False(Alice.PublicKeys.Verify(message, signature[..63]));
        Assert.False(Alice.PublicKeys.Verify(message, [.. signature, 0]));
        Assert.False(Alice.PublicKeys.Verify(message, ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void Ed25519_signatures_are_deterministic_and_cover_the_empty_message()
    {
        Assert.Equal(Alice.Sign("x"u8), Alice.Sign("x"u8));
        var empty = Alice.Sign(ReadOnlySpan<byte>.Empty);
        Assert.True(Alice.PublicKeys.Verify(ReadOnlySpan<byte>.Empty, empty));
        Assert.False(Alice.PublicKeys.Verify("x"u8, empty));
    }
}
