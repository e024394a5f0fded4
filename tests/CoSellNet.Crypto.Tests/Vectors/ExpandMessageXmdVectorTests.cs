using System.Text;
using CoSellNet.Crypto.Tests.Support;

namespace CoSellNet.Crypto.Tests.Vectors;

/// <summary>
/// RFC 9380 appendix K.3, expand_message_xmd(SHA-512), DST "QUUX-V01-CS02-with-expander-SHA512-256".
/// Values from the CFRG hash-to-curve draft's appendix and its poc/vectors/expand_message_xmd_SHA512_38.json
/// (identical), and checked against the same values in other implementations' test suites.
/// </summary>
public class ExpandMessageXmdVectorTests
{
    private static readonly byte[] Dst = "QUUX-V01-CS02-with-expander-SHA512-256"u8.ToArray();
    private static readonly string Q128 = "q128_" + new string('q', 128);
    private static readonly string A512 = "a512_" + new string('a', 512);

    public static TheoryData<string, int, string> Vectors => new()
    {
        { "", 0x20, "6b9a7312411d92f921c6f68ca0b6380730a1a4d982c507211a90964c394179ba" },
        { "abc", 0x20, "0da749f12fbe5483eb066a5f595055679b976e93abe9be6f0f6318bce7aca8dc" },
        { "abcdef0123456789", 0x20, "087e45a86e2939ee8b91100af1583c4938e0f5fc6c9db4b107b83346bc967f58" },
        { Q128, 0x20, "7336234ee9983902440f6bc35b348352013becd88938d2afec44311caf8356b3" },
        { A512, 0x20, "57b5f7e766d5be68a6bfe1768e3c2b7f1228b3e4b3134956dd73a59b954c66f4" },
        { "", 0x80,
            "41b037d1734a5f8df225dd8c7de38f851efdb45c372887be655212d07251b921b052b62eaed99b46f72f2ef4cc96bfaf" +
            "254ebbbec091e1a3b9e4fb5e5b619d2e0c5414800a1d882b62bb5cd1778f098b8eb6cb399d5d9d18f5d5842cf5d13d7e" +
            "b00a7cff859b605da678b318bd0e65ebff70bec88c753b159a805d2c89c55961" },
        { "abc", 0x80,
            "7f1dddd13c08b543f2e2037b14cefb255b44c83cc397c1786d975653e36a6b11bdd7732d8b38adb4a0edc26a0cef4bb4" +
            "5217135456e58fbca1703cd6032cb1347ee720b87972d63fbf232587043ed2901bce7f22610c0419751c065922b48843" +
            "1851041310ad659e4b23520e1772ab29dcdeb2002222a363f0c2b1c972b3efe1" },
        { "abcdef0123456789", 0x80,
            "3f721f208e6199fe903545abc26c837ce59ac6fa45733f1baaf0222f8b7acb0424814fcb5eecf6c1d38f06e9d0a6ccfb" +
            "f85ae612ab8735dfdf9ce84c372a77c8f9e1c1e952c3a61b7567dd0693016af51d2745822663d0c2367e3f4f0bed827f" +
            "eecc2aaf98c949b5ed0d35c3f1023d64ad1407924288d366ea159f46287e61ac" },
        { Q128, 0x80,
            "b799b045a58c8d2b4334cf54b78260b45eec544f9f2fb5bd12fb603eaee70db7317bf807c406e26373922b7b8920fa29" +
            "142703dd52bdf280084fb7ef69da78afdf80b3586395b433dc66cde048a258e476a561e9deba7060af40adf30c64249c" +
            "a7ddea79806ee5beb9a1422949471d267b21bc88e688e4014087a0b592b695ed" },
        { A512, 0x80,
            "05b0bfef265dcee87654372777b7c44177e2ae4c13a27f103340d9cd11c86cb2426ffcad5bd964080c2aee97f03be1ca" +
            "18e30a1f14e27bc11ebbd650f305269cc9fb1db08bf90bfc79b42a952b46daf810359e7bc36452684784a64952c343c5" +
            "2e5124cd1f71d474d5197fefc571a92929c9084ffe1112cf5eea5192ebff330b" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Matches_rfc9380_k3(string message, int length, string expected)
    {
        var output = new byte[length];
        Ristretto255.ExpandMessageXmd(Encoding.ASCII.GetBytes(message), Dst, output);
        Assert.Equal(expected, Hex.Encode(output));
    }

    [Fact]
    public void Message_lengths_of_the_vectors_are_as_the_rfc_names_them()
    {
        Assert.Equal(133, Q128.Length);
        Assert.Equal(517, A512.Length);
    }

    [Fact]
    public void A_shorter_output_is_not_a_prefix_of_a_longer_one()
    {
        // The length is hashed into b_0, so 32 bytes are not the first 32 of 128.
        var short32 = new byte[32];
        var long128 = new byte[128];
        Ristretto255.ExpandMessageXmd("abc"u8, Dst, short32);
        Ristretto255.ExpandMessageXmd("abc"u8, Dst, long128);
        Assert.NotEqual(short32, long128[..32]);
    }

    [Fact]
    public void Largest_output_is_255_blocks_and_one_more_byte_is_refused()
    {
        var largest = new byte[255 * 64];
        Ristretto255.ExpandMessageXmd("abc"u8, Dst, largest);
        Assert.True(largest.AsSpan(largest.Length - 64).IndexOfAnyExcept((byte)0) >= 0);
        Assert.Throws<ArgumentException>(() => Ristretto255.ExpandMessageXmd("abc"u8, Dst, new byte[255 * 64 + 1]));
        Assert.Throws<ArgumentException>(() => Ristretto255.ExpandMessageXmd("abc"u8, Dst, Span<byte>.Empty));
    }

    [Fact]
    public void Dst_must_be_1_to_255_bytes()
    {
        var output = new byte[64];
        Assert.Throws<ArgumentException>(() => Ristretto255.ExpandMessageXmd("abc"u8, ReadOnlySpan<byte>.Empty, output));
        Assert.Throws<ArgumentException>(() => Ristretto255.ExpandMessageXmd("abc"u8, new byte[256], output));
        Ristretto255.ExpandMessageXmd("abc"u8, new byte[255], output);
        Assert.True(output.AsSpan().IndexOfAnyExcept((byte)0) >= 0);
    }

    [Theory]
    [InlineData(0, 64)]
    [InlineData(853, 64)]
    [InlineData(854, 64)]
    [InlineData(855, 64)]
    [InlineData(5000, 64)]
    [InlineData(100, 1)]
    [InlineData(100, 65)]
    [InlineData(100, 255 * 64)]
    public void Agrees_with_a_plain_transcription_of_the_rfc_around_buffer_boundaries(int messageLength, int outputLength)
    {
        // Near 854 bytes the b_0 input stops fitting the stack buffer and is rented instead.
        var message = new byte[messageLength];
        for (var i = 0; i < message.Length; i++) message[i] = (byte)(i * 7 + 1);
        var actual = new byte[outputLength];
        Ristretto255.ExpandMessageXmd(message, Dst, actual);
        Assert.Equal(Hex.Encode(ReferenceXmd.Expand(message, Dst, outputLength)), Hex.Encode(actual));
    }
}
