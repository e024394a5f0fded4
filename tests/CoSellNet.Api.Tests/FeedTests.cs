using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using CoSellNet.Client;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

/// <summary>
/// The live feed on a real node (in-process, real PostgreSQL): what partnership changes put in each
/// partner's feed, reading it over REST with its filters and refusals, and receiving it over SignalR
/// (long polling through <see cref="FeedSubscription"/>, and a raw WebSocket with <c>access_token</c>),
/// across lost connections.
/// </summary>
[Collection(NetworkCollection.Name)]
public sealed class FeedTests(Network network)
{
    private static async Task<FeedPage> Feed(Member m, string query = "")
    {
        var response = await m.Http.GetAsync(Routes.Feed + query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET feed{query}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<FeedPage>(body, Network.Json)!;
    }

    private static string By(FeedEvent e) => e.Data!.Value.GetProperty("by").GetString()!;

    private static async Task Rules(Member me, Member them, string population = "customers", SharingLevel level = SharingLevel.Counts) =>
        (await me.Http.PutAsJsonAsync(Routes.PartnershipAction(them.Id, "rules"), new SetRules([new SharingRule(population, level)]), Network.Json))
            .EnsureSuccessStatusCode();

    private TestClient ClientFor(Member m) => new(network.Node.Server, m.Key);

    [Fact]
    public async Task Partnership_changes_go_to_both_partners_feeds_numbered_from_1_without_gaps()
    {
        var (a, b) = await network.AddPartnership(["co-sell"]);
        await Rules(a, b);
        (await b.Http.PostAsync(Routes.PartnershipAction(a.Id, "pause"), null)).EnsureSuccessStatusCode();
        (await a.Http.PutAsJsonAsync(Routes.PartnershipAction(b.Id, "motions"), new SetMotions(["referral"]), Network.Json)).EnsureSuccessStatusCode();

        string[] types = [FeedEventTypes.PartnershipProposed, FeedEventTypes.PartnershipAccepted, FeedEventTypes.PartnershipRulesChanged,
            FeedEventTypes.PartnershipPaused, FeedEventTypes.PartnershipMotionsChanged];
        string[] by = [a.Id, b.Id, a.Id, b.Id, a.Id];
        foreach (var (me, them) in new[] { (a, b), (b, a) })
        {
            var page = await Feed(me);
            Assert.Equal([1L, 2, 3, 4, 5], page.Items.Select(e => e.Sequence));
            Assert.Equal(types, page.Items.Select(e => e.Type));
            Assert.Equal(by, page.Items.Select(By));
            Assert.All(page.Items, e => Assert.Equal(them.Id, e.Partner));
            Assert.All(page.Items, e => Assert.Null(e.Room));
            Assert.Equal(page.Items.Select(e => e.At).Order(), page.Items.Select(e => e.At));
            Assert.Equal((5L, false), (page.LastSequence, page.More));
        }
        var paused = (await Feed(a)).Items[3].Data!.Value;
        Assert.Equal(("paused", "paused", 1), (paused.GetProperty("action").GetString(), paused.GetProperty("status").GetString(), paused.GetProperty("epoch").GetInt32()));
        Assert.Equal("referral", (await Feed(b)).Items[4].Data!.Value.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task After_limit_and_type_select_what_the_feed_returns()
    {
        var (a, b) = await network.AddPartnership();
        for (var i = 0; i < 5; i++) await Rules(a, b, level: i % 2 == 0 ? SharingLevel.Counts : SharingLevel.Overlaps);

        var middle = await Feed(a, "?after=2&limit=3");
        Assert.Equal([3L, 4, 5], middle.Items.Select(e => e.Sequence));
        Assert.Equal((5L, true), (middle.LastSequence, middle.More));
        var rest = await Feed(a, "?after=5");
        Assert.Equal([6L, 7], rest.Items.Select(e => e.Sequence));
        Assert.Equal((7L, false), (rest.LastSequence, rest.More));
        var none = await Feed(a, "?after=7");
        Assert.Equal((0, 7L, false), (none.Items.Count, none.LastSequence, none.More));
        Assert.Equal(7, (await Feed(a, "?limit=1000")).Items.Count);
        Assert.Equal(7, (await Feed(a)).Items.Count);

        var rules = await Feed(a, "?type=partnership.rules-changed");
        Assert.Equal([3L, 4, 5, 6, 7], rules.Items.Select(e => e.Sequence));
        var two = await Feed(a, "?type=partnership.proposed&type=partnership.accepted");
        Assert.Equal([FeedEventTypes.PartnershipProposed, FeedEventTypes.PartnershipAccepted], two.Items.Select(e => e.Type));
        var filteredPage = await Feed(a, "?type=partnership.rules-changed&after=3&limit=2");
        Assert.Equal([4L, 5], filteredPage.Items.Select(e => e.Sequence));
        Assert.True(filteredPage.More);
        Assert.Empty((await Feed(a, "?type=room.message")).Items);

        // The client walks the same pages.
        using var client = ClientFor(a);
        var listed = new List<long>();
        await foreach (var e in client.Client.ListFeedAsync(2, [FeedEventTypes.PartnershipRulesChanged])) listed.Add(e.Sequence);
        Assert.Equal([3L, 4, 5, 6, 7], listed);
        Assert.Equal(7, await client.Client.GetLastFeedSequenceAsync());
        Assert.Equal([6L, 7], (await client.Client.GetFeedAsync(5, 10)).Items.Select(e => e.Sequence));
    }

    [Fact]
    public async Task The_last_sequence_of_a_long_feed_is_found_in_a_few_reads()
    {
        var (a, b) = await network.AddPartnership();
        var grains = network.Node.Services.GetService(typeof(IGrainFactory)) as IGrainFactory ?? throw new InvalidOperationException("No grain factory.");
        // 2,345 events more, appended straight to the feed grain (2 from the partnership).
        for (var i = 0; i < 2345; i++)
            await Silo.Feed.Feeds.Append(grains, a.Id, FeedEventTypes.PartnershipRulesChanged, partner: b.Id, data: new { i });

        using var client = ClientFor(a);
        Assert.Equal(2347, await client.Client.GetLastFeedSequenceAsync());
        var count = 0L;
        await foreach (var e in client.Client.ListFeedAsync()) Assert.Equal(++count, e.Sequence);
        Assert.Equal(2347, count);
    }

    [Fact]
    public async Task Bad_parameters_are_refused_with_400_and_say_what_to_send()
    {
        var a = await network.AddPartner();
        var negative = await Problem.Expect(await a.Http.GetAsync(Routes.Feed + "?after=-1"), HttpStatusCode.BadRequest);
        Assert.True(negative.HasError("after"));
        foreach (var limit in new[] { "0", "1001", "-5" })
            Assert.True((await Problem.Expect(await a.Http.GetAsync(Routes.Feed + "?limit=" + limit), HttpStatusCode.BadRequest)).HasError("limit"), limit);
        await Problem.Expect(await a.Http.GetAsync(Routes.Feed + "?after=abc"), HttpStatusCode.BadRequest);
        await Problem.Expect(await a.Http.GetAsync(Routes.Feed + "?limit=many"), HttpStatusCode.BadRequest);

        // The client checks before sending.
        using var client = ClientFor(a);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.Client.GetFeedAsync(-1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.Client.GetFeedAsync(0, 1001));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.Client.SubscribeFeedAsync(-1, _ => Task.CompletedTask));
    }

    [Fact]
    public async Task The_operator_has_no_feed_and_no_key_or_a_bad_key_gets_nothing()
    {
        var server = network.Node.Server;
        await Problem.Expect(await network.Operator.GetAsync(Routes.Feed), HttpStatusCode.Forbidden);
        await Problem.Expect(await network.Node.ClientWith(null).GetAsync(Routes.Feed), HttpStatusCode.Unauthorized);
        var negotiate = Routes.FeedHub + "/negotiate?negotiateVersion=1";
        Assert.Equal(HttpStatusCode.Forbidden, (await network.Operator.PostAsync(negotiate, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await network.Node.ClientWith(null).PostAsync(negotiate, null)).StatusCode);

        // Through the client: the refusal is a CoSellNetApiException, at once.
        using var op = new TestClient(server, network.Node.OperatorKey!);
        var forbidden = await Assert.ThrowsAsync<CoSellNetApiException>(() => op.Subscribe(0, new Seen()));
        Assert.Equal(403, forbidden.Status);
        var a = await network.AddPartner();
        var wrongSecret = a.Key[..^4] + (a.Key.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        using var wrong = new TestClient(server, wrongSecret);
        var unauthorized = await Assert.ThrowsAsync<CoSellNetApiException>(() => wrong.Subscribe(0, new Seen()));
        Assert.Equal(401, unauthorized.Status);

        // A WebSocket with a wrong access_token is refused before it opens.
        var socketClient = server.CreateWebSocketClient();
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => socketClient.ConnectAsync(HubSocketUri(wrongSecret), CancellationToken.None));
        Assert.Contains("401", refused.Message);
    }

    [Fact]
    public async Task A_partner_sees_nothing_of_another_partners_feed()
    {
        var (a, b) = await network.AddPartnership();
        var foreign = await network.AddPartner("Outsider", PartnerType.Reseller);
        using var foreignClient = ClientFor(foreign);
        var foreignSeen = new Seen();
        await using var foreignFeed = await foreignClient.Subscribe(0, foreignSeen, o => o.CatchUpInterval = TimeSpan.FromMilliseconds(200));
        using var aClient = ClientFor(a);
        var aSeen = new Seen();
        await using var aFeed = await aClient.Subscribe(0, aSeen);

        await Rules(a, b);
        await Rules(b, a);
        await aSeen.Count(4);
        await Task.Delay(600); // several catch-up rounds of the foreign subscription

        Assert.Empty(foreignSeen.Events);
        Assert.Empty((await Feed(foreign)).Items);
        Assert.Empty((await Feed(foreign, "?after=0&type=partnership.rules-changed")).Items);
        Assert.Equal(0, await foreignClient.Client.GetLastFeedSequenceAsync());
        Assert.Equal(0, foreignFeed.LastSequence);

        // The outsider's own proposal is in its own feed (and in A's), and nothing else is.
        (await foreign.Http.PostAsJsonAsync(Routes.Partnerships, new ProposePartnership(a.Id), Network.Json)).EnsureSuccessStatusCode();
        var own = await foreignSeen.Count(1);
        Assert.Equal((1L, FeedEventTypes.PartnershipProposed, a.Id), (own[0].Sequence, own[0].Type, own[0].Partner));
        var body = await foreign.Http.GetStringAsync(Routes.Feed);
        Assert.DoesNotContain(b.Id, body);
        Assert.Equal(5, (await aSeen.Count(5))[4].Sequence);
    }

    [Fact]
    public async Task A_subscription_receives_changes_live_in_order()
    {
        var (a, b) = await network.AddPartnership();
        using var client = ClientFor(a);
        var seen = new Seen();
        // No periodic catch-up: after the first one, only live pushes (or a gap they reveal) deliver.
        await using var feed = await client.Subscribe(0, seen, o => o.CatchUpInterval = Timeout.InfiniteTimeSpan);
        await seen.Count(2);
        await EnsureLive(a, b, seen);

        var before = seen.Events.Count;
        for (var i = 0; i < 10; i++) await Rules(i % 2 == 0 ? b : a, i % 2 == 0 ? a : b, level: i % 2 == 0 ? SharingLevel.Overlaps : SharingLevel.Counts);
        var events = await seen.Count(before + 10);
        Assert.Equal(Enumerable.Range(1, before + 10).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.All(events.Skip(before), e => Assert.Equal(FeedEventTypes.PartnershipRulesChanged, e.Type));
        Assert.Equal(before + 10, feed.LastSequence);
        Assert.Equal(FeedConnectionState.Connected, feed.State);
    }

    [Fact]
    public async Task A_websocket_client_authenticated_by_access_token_receives_live_events()
    {
        var (a, b) = await network.AddPartnership();
        using var socket = new RawHub(await network.Node.Server.CreateWebSocketClient().ConnectAsync(HubSocketUri(a.Key), CancellationToken.None));
        await socket.Send("""{"protocol":"json","version":1}""");
        Assert.Equal("{}", await socket.Receive());
        await socket.Send("""{"type":1,"invocationId":"1","target":"Since","arguments":[0,10]}""");
        var completion = JsonDocument.Parse(await socket.Receive()).RootElement;
        Assert.Equal(3, completion.GetProperty("type").GetInt32());
        Assert.Equal(2, completion.GetProperty("result").GetProperty("items").GetArrayLength());

        // Changes until one arrives live (the first may precede this node's relay registration in a fresh cluster).
        JsonElement pushed = default;
        for (var attempt = 0; attempt < 20 && pushed.ValueKind == JsonValueKind.Undefined; attempt++)
        {
            await Rules(b, a);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                while (true)
                {
                    var message = JsonDocument.Parse(await socket.Receive(wait.Token)).RootElement;
                    if (message.GetProperty("type").GetInt32() == 1 && message.GetProperty("target").GetString() == FeedHubMethods.Event)
                    {
                        pushed = message.GetProperty("arguments")[0];
                        break;
                    }
                }
            }
            catch (OperationCanceledException) { }
        }
        Assert.Equal(JsonValueKind.Object, pushed.ValueKind);
        Assert.Equal(FeedEventTypes.PartnershipRulesChanged, pushed.GetProperty("type").GetString());
        Assert.Equal(b.Id, pushed.GetProperty("partner").GetString());
        Assert.True(pushed.GetProperty("sequence").GetInt64() >= 3);
        Assert.Equal(b.Id, pushed.GetProperty("data").GetProperty("by").GetString());
        await socket.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task A_subscription_that_loses_its_connection_gets_exactly_the_missed_events_in_order()
    {
        var (a, b) = await network.AddPartnership();
        using var client = ClientFor(a);
        var seen = new Seen();
        await using var feed = await client.Subscribe(0, seen, o => o.CatchUpInterval = Timeout.InfiniteTimeSpan);
        await seen.Count(2);
        await EnsureLive(a, b, seen);

        for (var round = 0; round < 3; round++)
        {
            var before = seen.Events.Count;
            client.Switch.Cut();
            await seen.Until(() => feed.State == FeedConnectionState.Reconnecting, "the subscription to notice");
            for (var i = 0; i < 4; i++) await Rules(i % 2 == 0 ? a : b, i % 2 == 0 ? b : a, level: i % 2 == 0 ? SharingLevel.Overlaps : SharingLevel.Counts);
            await Task.Delay(300);
            Assert.Equal(before, seen.Events.Count); // nothing arrives while the network is down
            client.Switch.Restore();
            await seen.Count(before + 4);
            Assert.Equal(FeedConnectionState.Connected, feed.State);
        }

        // Live again after the last reconnect, and every number exactly once, in order.
        var total = seen.Events.Count;
        await Rules(b, a);
        var all = await seen.Count(total + 1);
        await Task.Delay(300);
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), seen.Sequences);
        Assert.Equal((await Feed(a)).Items.Select(e => (e.Sequence, e.Type, e.At)), seen.Events.Select(e => (e.Sequence, e.Type, e.At)));
        Assert.Contains(FeedConnectionState.Reconnecting, seen.States);
    }

    [Fact]
    public async Task A_new_subscription_resumes_after_the_last_sequence_delivered()
    {
        var (a, b) = await network.AddPartnership();
        using var client = ClientFor(a);
        var first = new Seen();
        long resumeAt;
        await using (var feed = await client.Subscribe(0, first))
        {
            await Rules(a, b);
            await first.Count(3);
            resumeAt = feed.LastSequence;
        }
        Assert.Equal(3, resumeAt);

        for (var i = 0; i < 3; i++) await Rules(b, a, level: i % 2 == 0 ? SharingLevel.Overlaps : SharingLevel.Counts);
        var second = new Seen();
        await using var resumed = await client.Subscribe(resumeAt, second);
        await second.Count(3);
        await Rules(a, b, level: SharingLevel.Overlaps);
        await second.Count(4);
        await Task.Delay(300);
        Assert.Equal([4L, 5, 6, 7], second.Sequences);
        Assert.Equal([b.Id, b.Id, b.Id, a.Id], second.Events.Select(By));
    }

    [Fact]
    public async Task A_subscription_whose_key_is_revoked_stops_at_its_next_connection()
    {
        var (a, b) = await network.AddPartnership();
        var created = (await (await a.Http.PostAsJsonAsync(Routes.Keys, new ApiKeyRequest("watcher", [ApiKeyScope.Read]), Network.Json))
            .Content.ReadFromJsonAsync<CreatedApiKey>(Network.Json))!;
        using var client = new TestClient(network.Node.Server, created.Secret);
        var seen = new Seen();
        var feed = await client.Subscribe(0, seen);
        await seen.Count(2);

        (await a.Http.DeleteAsync(Routes.Key(created.Key.Id))).EnsureSuccessStatusCode();
        client.Switch.Cut();
        client.Switch.Restore();
        var stopped = await Assert.ThrowsAsync<CoSellNetApiException>(() => feed.Completion.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(401, stopped.Status);
        Assert.Equal(FeedConnectionState.Stopped, feed.State);
        Assert.Equal(2, feed.LastSequence);
        await feed.DisposeAsync();
    }

    [Fact]
    public async Task A_release_tells_each_side_which_of_its_records_started_overlapping()
    {
        var (ma, mb) = await network.AddPartnership();
        using var a = ClientFor(ma);
        using var b = ClientFor(mb);
        await a.Client.SetRulesAsync(mb.Id, [new SharingRule("customers", SharingLevel.Overlaps)]);
        await b.Client.SetRulesAsync(ma.Id, [new SharingRule("customers", SharingLevel.Counts)]);
        var seenA = new Seen();
        await using var feedA = await a.Subscribe(0, seenA);

        // A: c0..c5; B: c3..c8. Three shared. B shares only counts, so A's notice lists no records; B's lists its three.
        using var psiA = new PsiSide(a.Client, "a");
        using var psiB = new PsiSide(b.Client, "b");
        await psiA.Upload(mb.Id, Enumerable.Range(0, 6).Select(i => $"c{i}"));
        await psiB.Upload(ma.Id, Enumerable.Range(3, 6).Select(i => $"c{i}"));
        await psiB.Reblind(ma.Id);
        await psiA.Reblind(mb.Id);

        var releasedA = (await seenA.Count(5)).Last();
        Assert.Equal(FeedEventTypes.OverlapsReleased, releasedA.Type);
        Assert.Equal(mb.Id, releasedA.Partner);
        Assert.Equal((1, 1, 0L, 0), (releasedA.Data!.Value.GetProperty("epoch").GetInt32(), releasedA.Data.Value.GetProperty("releaseVersion").GetInt32(),
            releasedA.Data.Value.GetProperty("foundCount").GetInt64(), releasedA.Data.Value.GetProperty("found").GetArrayLength()));

        var feedB = await Feed(mb, "?type=overlaps.released");
        var released = Assert.Single(feedB.Items);
        Assert.Equal(ma.Id, released.Partner);
        var found = released.Data!.Value.GetProperty("found").EnumerateArray().Select(e => psiB.Records[e.GetString()!]).Order().ToList();
        Assert.Equal(["c3", "c4", "c5"], found);
        Assert.Equal(3, released.Data.Value.GetProperty("foundCount").GetInt64());
        Assert.Equal(0, released.Data.Value.GetProperty("gone").GetArrayLength());
    }

    /// <summary>Changes until a push arrives live: a freshly started node registers its relay within a second or so.</summary>
    private static async Task EnsureLive(Member a, Member b, Seen seen)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var before = seen.Events.Count;
            await Rules(b, a, level: attempt % 2 == 0 ? SharingLevel.Overlaps : SharingLevel.Counts);
            try
            {
                await seen.Until(() => seen.Events.Count > before, "a live push", seconds: 1);
                return;
            }
            catch (TimeoutException) { }
        }
        throw new TimeoutException("No live push arrived in 20 tries.");
    }

    private Uri HubSocketUri(string key) =>
        new UriBuilder(network.Node.Server.BaseAddress) { Scheme = "ws", Path = Routes.FeedHub, Query = "access_token=" + Uri.EscapeDataString(key) }.Uri;

    /// <summary>
    /// A SignalR JSON-protocol client by hand over a raw WebSocket: records end with 0x1E; pings (type 6)
    /// are skipped. One reader loop fills a queue, so waiting with a timeout never aborts the socket.
    /// </summary>
    private sealed class RawHub : IDisposable
    {
        private readonly System.Threading.Channels.Channel<string> _messages = System.Threading.Channels.Channel.CreateUnbounded<string>();

        public RawHub(WebSocket socket)
        {
            Socket = socket;
            _ = Task.Run(ReadLoop);
        }

        public WebSocket Socket { get; }

        public Task Send(string json) =>
            Socket.SendAsync(Encoding.UTF8.GetBytes(json + "\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);

        public async Task<string> Receive(CancellationToken ct = default)
        {
            using var guard = CancellationTokenSource.CreateLinkedTokenSource(ct);
            guard.CancelAfter(TimeSpan.FromSeconds(20));
            return await _messages.Reader.ReadAsync(guard.Token);
        }

        private async Task ReadLoop()
        {
            var buffer = new byte[64 * 1024];
            var pending = new StringBuilder();
            try
            {
                while (true)
                {
                    var result = await Socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close) break;
                    pending.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                    int end;
                    while ((end = pending.ToString().IndexOf('\u001e', StringComparison.Ordinal)) >= 0)
                    {
                        var message = pending.ToString(0, end);
                        pending.Remove(0, end + 1);
                        if (JsonDocument.Parse(message).RootElement.TryGetProperty("type", out var type) && type.GetInt32() == 6) continue;
                        await _messages.Writer.WriteAsync(message);
                    }
                }
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException) { }
            _messages.Writer.TryComplete();
        }

        public void Dispose() => Socket.Dispose();
    }
}
