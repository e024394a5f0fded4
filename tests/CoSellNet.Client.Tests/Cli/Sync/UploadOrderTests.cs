using System.Security.Cryptography;
using CoSellNet.Cli.Sync;
using CoSellNet.Crypto;

namespace CoSellNet.Client.Tests.Cli.Sync;

/// <summary>
/// The upload order of an add: record id order, so it depends on the set of record ids alone (which
/// the node sees anyway) — not on the export's order, nor on the accounts or their match keys.
/// </summary>
public sealed class UploadOrderTests
{
    private static (UInt128[] Ids, MatchKey[] Keys) Records(int count) =>
        ([.. Enumerable.Range(0, count).Select(_ => BitConverter.ToUInt128(RandomNumberGenerator.GetBytes(16)))],
         [.. Enumerable.Range(0, count).Select(i => MatchKey.Parse($"d:account{i}.example"))]);

    [Fact]
    public void Records_go_in_record_id_order_each_with_its_own_key()
    {
        var (ids, keys) = Records(20_003);
        var keyOf = ids.Zip(keys).ToDictionary(r => r.First, r => r.Second);

        SyncEngine.InUploadOrder(ids, keys);

        Assert.Equal(keyOf.Keys.Order(), ids);
        Assert.All(ids.Zip(keys), r => Assert.Equal(keyOf[r.First], r.Second));
    }

    [Fact]
    public void The_order_is_the_same_whatever_order_the_export_had()
    {
        var (ids, keys) = Records(5_000);
        var (reversedIds, reversedKeys) = (ids.Reverse().ToArray(), keys.Reverse().ToArray());
        var shuffled = ids.Zip(keys).ToArray();
        Random.Shared.Shuffle(shuffled);
        var (shuffledIds, shuffledKeys) = (shuffled.Select(r => r.First).ToArray(), shuffled.Select(r => r.Second).ToArray());

        SyncEngine.InUploadOrder(ids, keys);
        SyncEngine.InUploadOrder(reversedIds, reversedKeys);
        SyncEngine.InUploadOrder(shuffledIds, shuffledKeys);

        Assert.Equal(ids, reversedIds);
        Assert.Equal(keys, reversedKeys);
        Assert.Equal(ids, shuffledIds);
        Assert.Equal(keys, shuffledKeys);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(17)]
    [InlineData(100_000)]
    public void Ids_in_order_reversed_organ_pipe_or_alike_in_their_high_bits_are_sorted_each_with_its_own_key(int count)
    {
        // Shapes that take a quicksort down its worst paths (the heap sort after too deep a recursion).
        UInt128[][] shapes =
        [
            [.. Enumerable.Range(0, count).Select(i => (UInt128)i)],
            [.. Enumerable.Range(0, count).Select(i => (UInt128)(count - i))],
            [.. Enumerable.Range(0, count).Select(i => (UInt128)Math.Min(i, count - i) << 32 | (UInt128)i)],
            [.. Enumerable.Range(0, count).Select(i => (UInt128)(i % 7) << 120 | (UInt128)i)],
        ];
        foreach (var shape in shapes)
        {
            var ids = shape.ToArray();
            var keys = ids.Select(id => MatchKey.Parse($"d:account{id}.example")).ToArray();

            SyncEngine.InUploadOrder(ids, keys);

            Assert.Equal(shape.Order(), ids);
            Assert.Equal(ids.Select(id => MatchKey.Parse($"d:account{id}.example")), keys);
        }
    }

    [Fact]
    public void Match_keys_have_no_say_in_the_order()
    {
        // The same record ids with the keys assigned the other way round: the ids' order is unchanged.
        var (ids, keys) = Records(1_000);
        var rekeyedIds = ids.ToArray();
        var rekeyedKeys = keys.Reverse().ToArray();

        SyncEngine.InUploadOrder(ids, keys);
        SyncEngine.InUploadOrder(rekeyedIds, rekeyedKeys);

        Assert.Equal(ids, rekeyedIds);
    }
}
