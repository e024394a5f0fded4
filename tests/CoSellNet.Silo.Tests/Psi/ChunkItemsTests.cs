using System.Security.Cryptography;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Psi;

namespace CoSellNet.Silo.Tests.Psi;

/// <summary>Point checks of a large add chunk (the AVX-512 batch check, 16 points a step): the problem still names the chunk's first bad record.</summary>
public sealed class ChunkItemsTests
{
    private const int Size = PsiFormat.RecordIdSize + PsiFormat.PointSize;

    private static byte[] Chunk(int count)
    {
        var body = new byte[count * Size];
        Span<byte> uniform = stackalloc byte[CoSellNet.Crypto.Ristretto255.UniformSize];
        for (var i = 0; i < count; i++)
        {
            RandomNumberGenerator.Fill(body.AsSpan(i * Size, PsiFormat.RecordIdSize));
            RandomNumberGenerator.Fill(uniform);
            CoSellNet.Crypto.Ristretto255.FromUniformBytes(uniform, body.AsSpan(i * Size + PsiFormat.RecordIdSize, PsiFormat.PointSize));
        }
        return body;
    }

    [Fact]
    public void A_large_valid_chunk_gives_every_record_in_order()
    {
        var body = Chunk(20_000);
        var items = ChunkItems.Parse(UploadKind.Add, body.AsMemory());
        Assert.Equal(20_000, items.Count);
        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => new ChunkItem(i * Size, i * Size + PsiFormat.RecordIdSize, PsiFormat.PointSize)), items);
    }

    [Theory]
    [InlineData("identity")]
    [InlineData("non-canonical")]
    [InlineData("not on the curve")]
    public void The_first_bad_point_of_a_large_chunk_is_named(string fault)
    {
        var body = Chunk(20_000);
        foreach (var record in new[] { 17_500, 12_345 })
        {
            var point = body.AsSpan(record * Size + PsiFormat.RecordIdSize, PsiFormat.PointSize);
            switch (fault)
            {
                case "identity": point.Clear(); break;
                case "non-canonical": point.Fill(0xff); break; // above the field prime
                default: point[0] ^= 1; break; // an odd encoding is never canonical
            }
        }
        var problem = Assert.Throws<ProblemException>(() => ChunkItems.Parse(UploadKind.Add, body.AsMemory()));
        Assert.Contains("record 12345 (0-based)", string.Join(" ", problem.Errors!["body"]));
    }
}
