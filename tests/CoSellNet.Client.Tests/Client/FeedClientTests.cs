using CoSellNet.Client.Tests.Support;
using CoSellNet.Protocol;

namespace CoSellNet.Client.Tests.Client;

/// <summary>The feed's REST half of the client over canned answers: queries, checks, paging and finding the newest event.</summary>
public sealed class FeedClientTests
{
    [Fact]
    public async Task GetFeed_sends_after_limit_and_each_type()
    {
        var node = new FeedStub().Many(3).Node();
        using var client = node.Client();

        var page = await client.GetFeedAsync(1, 2, [FeedEventTypes.PartnershipRulesChanged, "room.message"]);

        Assert.Equal([2L, 3], page.Items.Select(e => e.Sequence));
        Assert.Equal("/api/v1/feed?after=1&limit=2&type=partnership.rules-changed&type=room.message", Assert.Single(node.Received).PathAndQuery);
        Assert.StartsWith("Bearer csn_", node.Received[0].Authorization);
        await client.GetFeedAsync();
        Assert.Equal("/api/v1/feed?after=0", node.Received[1].PathAndQuery);
    }

    [Fact]
    public async Task Bad_arguments_are_refused_before_anything_is_sent()
    {
        var node = new FeedStub().Node();
        using var client = node.Client();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetFeedAsync(-1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetFeedAsync(0, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetFeedAsync(0, CoSellNetClient.MaxFeedPage + 1));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetFeedAsync(0, null, [" "]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.SubscribeFeedAsync(-1, _ => Task.CompletedTask));
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.SubscribeFeedAsync(0, (Func<FeedEvent, Task>)null!));
        Assert.Empty(node.Received);

        using var anonymous = node.Client(apiKey: null);
        await Assert.ThrowsAsync<InvalidOperationException>(() => anonymous.SubscribeFeedAsync(0, _ => Task.CompletedTask));
    }

    [Fact]
    public async Task ListFeed_walks_every_page_of_what_exists_now()
    {
        var feed = new FeedStub().Many(2500);
        using var client = feed.Node().Client();
        var seen = new List<long>();
        await foreach (var e in client.ListFeedAsync(100)) seen.Add(e.Sequence);
        Assert.Equal(Enumerable.Range(101, 2400).Select(i => (long)i), seen);
        Assert.Equal(3, feed.FeedReads);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(999)]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(2000)]
    [InlineData(2001)]
    [InlineData(4321)]
    [InlineData(100_000)]
    public async Task The_last_sequence_is_found_in_few_reads(int count)
    {
        var feed = new FeedStub();
        for (var i = 1; i <= count; i++) feed.Events.Add(FeedStub.Event(i, FeedEventTypes.PartnershipPaused));
        using var client = feed.Node().Client();

        Assert.Equal(count, await client.GetLastFeedSequenceAsync());
        // One page when short; else doubling past the end, then halving down to one page.
        var bound = count <= 1000 ? 1 : 3 + 2 * (int)Math.Ceiling(Math.Log2(count / 1000.0 + 1));
        Assert.True(feed.FeedReads <= bound, $"{feed.FeedReads} reads for {count} events (at most {bound} expected)");
    }

    [Fact]
    public void Subscription_defaults_are_sensible()
    {
        var options = new FeedSubscriptionOptions();
        Assert.Equal(500, options.PageSize);
        Assert.Equal(TimeSpan.FromMinutes(1), options.CatchUpInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.MaxReconnectDelay);
    }
}
