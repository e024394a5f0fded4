using System.Buffers.Binary;
using System.Security.Cryptography;
using CoSellNet.Crypto.Tests.Support;

namespace CoSellNet.Crypto.Tests.Vectors;

/// <summary>
/// RFC 9497 appendix A.1.1, ristretto255-SHA512 in OPRF mode (0x00): HashToGroup, blinding, evaluation,
/// DeriveKeyPair and Finalize, rebuilt from this library's primitives. Values from the CFRG draft's
/// test-vector section and its poc/vectors/allVectors.json (identical), also found in other implementations' tests.
/// </summary>
public class OprfVectorTests
{
    // contextString = "OPRFV1-" ‖ I2OSP(0x00, 1) ‖ "-" ‖ "ristretto255-SHA512" (RFC 9497 section 3.2).
    private static readonly byte[] ContextString = [.. "OPRFV1-"u8, 0x00, .. "-ristretto255-SHA512"u8];
    private static readonly byte[] HashToGroupDst = [.. "HashToGroup-"u8, .. ContextString];
    private static readonly byte[] DeriveKeyPairDst = [.. "DeriveKeyPair"u8, .. ContextString];

    private const string Seed = "a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3";
    private const string KeyInfo = "74657374206b6579"; // "test key"
    private const string SkSm = "5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e";
    private const string Blind = "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706";

    public static TheoryData<string, string, string, string> Vectors => new()
    {
        {
            "00",
            "609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c",
            "7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e",
            "527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb7708264e2f3ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d0b5e24bcf6"
        },
        {
            "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
            "da27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418",
            "b4cbf5a4f1eeda5a63ce7b77c7d23f461db3fcab0dd28e4e17cecb5c90d02c25",
            "f4a74c9c592497375e796aa837e907b1a045d34306a749db9f34221f7e750cb4f2a6413a6bf6fa5e19ba6348eb673934a722a7ede2e7621306d18951e7cf2c73"
        },
    };

    [Fact]
    public void Group_dst_is_the_one_the_vectors_name()
    {
        // allVectors.json gives groupDST for this suite in hex.
        Assert.Equal("48617368546f47726f75702d4f50524656312d002d72697374726574746f3235352d534841353132", Hex.Encode(HashToGroupDst));
    }

    [Fact]
    public void DeriveKeyPair_gives_skSm()
    {
        // deriveInput = seed ‖ I2OSP(len(info), 2) ‖ info; skS = HashToScalar(deriveInput ‖ I2OSP(0, 1), DST = "DeriveKeyPair" ‖ contextString)
        var info = Hex.Decode(KeyInfo);
        var lengthPrefix = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(lengthPrefix, (ushort)info.Length);
        byte[] input = [.. Hex.Decode(Seed), .. lengthPrefix, .. info, 0];
        var uniform = new byte[64];
        Ristretto255.ExpandMessageXmd(input, DeriveKeyPairDst, uniform);
        var scalar = new byte[32];
        Ristretto255.ReduceScalar(uniform, scalar);
        Assert.Equal(SkSm, Hex.Encode(scalar));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Blinded_element_is_blind_times_hash_to_group(string input, string blindedElement, string evaluationElement, string output)
    {
        _ = (evaluationElement, output);
        var hashed = new byte[32];
        Ristretto255.HashToGroup(Hex.Decode(input), HashToGroupDst, hashed);
        Assert.True(Ristretto255.IsValidPoint(hashed));
        var blinded = new byte[32];
        Assert.True(Ristretto255.TryMultiply(Hex.Decode(Blind), hashed, blinded));
        Assert.Equal(blindedElement, Hex.Encode(blinded));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Evaluation_element_is_skSm_times_blinded_element(string input, string blindedElement, string evaluationElement, string output)
    {
        _ = (input, output);
        var evaluated = new byte[32];
        Assert.True(Ristretto255.TryMultiply(Hex.Decode(SkSm), Hex.Decode(blindedElement), evaluated));
        Assert.Equal(evaluationElement, Hex.Encode(evaluated));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Output_is_the_finalize_hash_of_skSm_times_hash_to_group(string input, string blindedElement, string evaluationElement, string output)
    {
        _ = (blindedElement, evaluationElement);
        // Unblinding gives skSm·HashToGroup(input); Finalize hashes
        // I2OSP(len(input), 2) ‖ input ‖ I2OSP(len(element), 2) ‖ element ‖ "Finalize".
        var message = Hex.Decode(input);
        var hashed = new byte[32];
        Ristretto255.HashToGroup(message, HashToGroupDst, hashed);
        var unblinded = new byte[32];
        Assert.True(Ristretto255.TryMultiply(Hex.Decode(SkSm), hashed, unblinded));
        byte[] transcript = [(byte)(message.Length >> 8), (byte)message.Length, .. message, 0, 32, .. unblinded, .. "Finalize"u8];
        Assert.Equal(output, Hex.Encode(SHA512.HashData(transcript)));
    }
}
