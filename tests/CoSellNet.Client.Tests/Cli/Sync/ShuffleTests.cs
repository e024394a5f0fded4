using CoSellNet.Cli.Sync;

namespace CoSellNet.Client.Tests.Cli.Sync;

/// <summary>The upload order of an add: a permutation, every order equally likely.</summary>
public sealed class ShuffleTests
{
    [Fact]
    public void A_shuffle_keeps_every_item_once()
    {
        var items = Enumerable.Range(0, 100_003).ToArray();

        SyncEngine.Shuffle(items.AsSpan());

        Assert.NotEqual(Enumerable.Range(0, 100_003), items);
        Assert.Equal(Enumerable.Range(0, 100_003), items.Order());
    }

    [Fact]
    public void Every_order_of_three_items_comes_about_as_often()
    {
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 60_000; i++)
        {
            var items = new[] { 'a', 'b', 'c' };
            SyncEngine.Shuffle(items.AsSpan());
            var order = new string(items);
            counts[order] = counts.GetValueOrDefault(order) + 1;
        }

        // 10,000 expected each; the standard deviation is ~91, so 9,400–10,600 is over 6 of them.
        Assert.Equal(6, counts.Count);
        Assert.All(counts.Values, count => Assert.InRange(count, 9_400, 10_600));
    }
}
