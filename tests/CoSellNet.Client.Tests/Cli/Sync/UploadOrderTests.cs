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
    private static (UInt128 Id, MatchKey Key)[] Records(int count) =>
        [.. Enumerable.Range(0, count).Select(i => (BitConverter.ToUInt128(RandomNumberGenerator.GetBytes(16)), MatchKey.Parse($"d:account{i}.example")))];

    [Fact]
    public void Records_go_in_record_id_order_each_with_its_own_key()
    {
        var records = Records(20_003);
        var keyOf = records.ToDictionary(r => r.Id, r => r.Key);

        SyncEngine.InUploadOrder(records);

        Assert.Equal(keyOf.Keys.Order(), records.Select(r => r.Id));
        Assert.All(records, r => Assert.Equal(keyOf[r.Id], r.Key));
    }

    [Fact]
    public void The_order_is_the_same_whatever_order_the_export_had()
    {
        var records = Records(5_000);
        var reversed = records.Reverse().ToArray();
        var shuffled = records.ToArray();
        Random.Shared.Shuffle(shuffled);

        SyncEngine.InUploadOrder(records);
        SyncEngine.InUploadOrder(reversed);
        SyncEngine.InUploadOrder(shuffled);

        Assert.Equal(records, reversed);
        Assert.Equal(records, shuffled);
    }

    [Fact]
    public void Match_keys_have_no_say_in_the_order()
    {
        // The same record ids with the keys assigned the other way round: the ids' order is unchanged.
        var records = Records(1_000);
        var keys = records.Select(r => r.Key).Reverse().ToArray();
        var rekeyed = records.Select((r, i) => (r.Id, keys[i])).ToArray();

        SyncEngine.InUploadOrder(records);
        SyncEngine.InUploadOrder(rekeyed);

        Assert.Equal(records.Select(r => r.Id), rekeyed.Select(r => r.Id));
    }
}
