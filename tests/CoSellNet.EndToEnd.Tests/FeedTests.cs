using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using CoSellNet.Client;
using CoSellNet.Protocol;
using CoSellNet.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace CoSellNet.EndToEnd.Tests;

/// <summary>
/// The live feed across real node processes in one cluster: events raised by calls on node one
/// reach clients connected to node two in order (pushed from node to node through the hub-list
/// grain, over real WebSockets), the real <c>cosell watch</c> prints them, and a client whose node
/// is killed and restarted misses nothing and repeats nothing.
/// </summary>
public sealed class FeedTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Partner(string Id, string Key);

    private static async Task<Partner> AddPartner(NodeProcess node, string operatorKey, string name)
    {
        using var op = node.Client(operatorKey);
        var response = await op.PostAsJsonAsync(Routes.Partners,
            new PartnerRegistration(name, $"{name.ToLowerInvariant()}-{Guid.NewGuid():N}"[..28] + ".com", PartnerType.Service), Json);
        response.EnsureSuccessStatusCode();
        var created = (await response.Content.ReadFromJsonAsync<PartnerCreated>(Json))!;
        return new Partner(created.Partner.Entry.Id, created.ApiKey.Secret);
    }

    private static async Task Partnership(NodeProcess node, Partner a, Partner b)
    {
        using var http = node.Client(a.Key);
        (await http.PostAsJsonAsync(Routes.Partnerships, new ProposePartnership(b.Id, ["co-sell"]), Json)).EnsureSuccessStatusCode();
        using var other = node.Client(b.Key);
        (await other.PostAsJsonAsync(Routes.PartnershipAction(a.Id, "accept"), new AcceptPartnership(["co-sell"]), Json)).EnsureSuccessStatusCode();
    }

    /// <summary>One change of rules by <paramref name="me"/>: one event in each side's feed.</summary>
    private static async Task Change(NodeProcess node, Partner me, Partner them, int i)
    {
        using var http = node.Client(me.Key);
        var level = i % 2 == 0 ? SharingLevel.Overlaps : SharingLevel.Counts;
        (await http.PutAsJsonAsync(Routes.PartnershipAction(them.Id, "rules"), new SetRules([new SharingRule("customers", level)]), Json)).EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Ctrl+C's SIGINT, unless this process ignores it: then so does every process it starts (a
    /// background job of a non-interactive shell runs with SIGINT ignored, and the runtime keeps an
    /// inherited "ignore"), and SIGTERM, which `cosell watch` handles the same way, stands in for it.
    /// </summary>
    private static string StopSignal =>
        File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) is { } line
        && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (2 - 1))) != 0 ? "-TERM" : "-INT";

    private static async Task Until(Func<bool> condition, string what, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds)) throw new TimeoutException($"Waited {seconds} s for {what}.");
            await Task.Delay(50);
        }
    }

    /// <summary>Retries while the cluster notices a dead node and moves its grains.</summary>
    private static async Task Eventually(Func<Task> call)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await call();
                return;
            }
            catch (Exception) when (attempt < 90) { await Task.Delay(1000); }
        }
    }

    [Fact]
    public async Task Clients_on_node_two_receive_in_order_what_calls_on_node_one_raise()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("e2e-feed");
        var clusterId = "e2e-" + Guid.NewGuid().ToString("N")[..12];
        await using var one = await NodeProcess.StartAsync(cs, clusterId);
        await using var two = await NodeProcess.StartAsync(cs, clusterId);
        var operatorKey = one.OperatorKey!;
        var a = await AddPartner(one, operatorKey, "Alpha");
        var b = await AddPartner(one, operatorKey, "Beta");

        // A raw SignalR connection to node two records the pushes themselves (no catch-up): proof
        // that events raised on node one are pushed across to node two.
        var pushed = new ConcurrentQueue<FeedEvent>();
        await using var raw = new HubConnectionBuilder()
            .WithUrl(new Uri(two.Url, Routes.FeedHub), o => o.AccessTokenProvider = () => Task.FromResult<string?>(a.Key))
            .Build();
        raw.On<FeedEvent>(FeedHubMethods.Event, pushed.Enqueue);
        await raw.StartAsync();

        // And A's subscription through the client, also on node two (WebSockets, the default).
        using var client = new CoSellNetClient(two.Url, a.Key);
        var seen = new ConcurrentQueue<FeedEvent>();
        await using var feed = await client.SubscribeFeedAsync(0, e =>
        {
            seen.Enqueue(e);
            return Task.CompletedTask;
        }, new FeedSubscriptionOptions { CatchUpInterval = Timeout.InfiniteTimeSpan });

        await Partnership(one, a, b);
        await Until(() => seen.Count >= 2, "the proposal and the acceptance");
        // Both nodes register their relays within a second or so of starting; wait for a push to get through.
        for (var i = 0; pushed.IsEmpty; i++)
        {
            Assert.True(i < 30, "No push reached node two.");
            await Change(one, b, a, i);
            await Task.Delay(500);
        }

        var before = seen.Count;
        for (var i = 0; i < 40; i++) await Change(one, i % 2 == 0 ? a : b, i % 2 == 0 ? b : a, i);
        var total = before + 40;
        await Until(() => seen.Count >= total && pushed.Count(e => e.Sequence > before) >= 40, $"{total} events");
        await Task.Delay(500);

        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), seen.Select(e => e.Sequence));
        // Every one of the 40 was pushed to node two. Pushes cross the cluster as one-way messages and
        // may arrive out of order; putting them in order is the subscription's job (checked above).
        Assert.Equal(Enumerable.Range(before + 1, 40).Select(i => (long)i), pushed.Where(e => e.Sequence > before).Select(e => e.Sequence).Order());
        Assert.Equal(Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? a.Id : b.Id),
            seen.Skip(before).Select(e => e.Data!.Value.GetProperty("by").GetString()));
        Assert.All(seen, e => Assert.Equal(b.Id, e.Partner));

        // The real `cosell watch` of B on node two prints the same feed, one JSON line per event, until Ctrl+C.
        using var cli = new Cli("feed-b");
        (await cli.Run("config", "set", "--url", two.Url.ToString(), "--key", b.Key)).Ok();
        await using var watch = cli.Start("watch", "--after", "0", "-o", "json");
        await Until(() => Lines(watch.Stdout).Count >= total, $"cosell watch to print {total} lines:\n{watch.Stderr}");
        await Change(one, a, b, 1);
        await Until(() => Lines(watch.Stdout).Count >= total + 1, "cosell watch to print the next event live");
        var stopping = Stopwatch.StartNew();
        using (var interrupt = Process.Start("kill", [StopSignal, watch.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await interrupt.WaitForExitAsync();
        var result = await watch.Exit();
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode} after {stopping.ElapsedMilliseconds} ms\n{result.Stderr}");
        var printed = Lines(result.Stdout).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Enumerable.Range(1, total + 1).Select(i => (long)i), printed.Select(p => p.GetProperty("sequence").GetInt64()));
        Assert.All(printed, p => Assert.Equal("Alpha", p.GetProperty("partnerName").GetString()));
        Assert.Contains($"resume with: cosell watch --after {total + 1}", result.Stderr);
    }

    [Fact]
    public async Task A_client_whose_node_is_killed_and_restarted_misses_nothing_and_repeats_nothing()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("e2e-feed-restart");
        var clusterId = "e2e-" + Guid.NewGuid().ToString("N")[..12];
        await using var one = await NodeProcess.StartAsync(cs, clusterId);
        var two = await NodeProcess.StartAsync(cs, clusterId);
        var a = await AddPartner(one, one.OperatorKey!, "Alpha");
        var b = await AddPartner(one, one.OperatorKey!, "Beta");
        await Partnership(one, a, b);

        using var client = new CoSellNetClient(two.Url, a.Key);
        var seen = new ConcurrentQueue<FeedEvent>();
        var states = new ConcurrentQueue<FeedConnectionState>();
        await using var feed = await client.SubscribeFeedAsync(0, e =>
        {
            seen.Enqueue(e);
            return Task.CompletedTask;
        }, new FeedSubscriptionOptions
        {
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
            CatchUpInterval = TimeSpan.FromSeconds(2), // pushes raised while the cluster recovers may be lost; stored, they are caught up
            ConnectionChanged = (state, _) => states.Enqueue(state),
        });
        await Until(() => seen.Count >= 2, "the first events");

        // Node two dies with the client connected to it; node one goes on (after failover) while the client is cut off.
        two.Kill();
        await two.DisposeAsync();
        await Until(() => feed.State == FeedConnectionState.Reconnecting, "the client to notice");
        for (var i = 0; i < 6; i++) await Eventually(() => Change(one, i % 2 == 0 ? a : b, i % 2 == 0 ? b : a, i));
        Assert.Equal(2, seen.Count);

        // A node comes back where the client knew node two; the client reconnects and catches up.
        await using var again = await NodeProcess.StartAsync(cs, clusterId, restartOf: two);
        try
        {
            await Until(() => seen.Count >= 8, "the missed events", seconds: 240);
        }
        catch (TimeoutException e)
        {
            // Seen once in a full CI run (never alone): say what the client was doing, for the next time.
            var output = again.Output;
            throw new TimeoutException($"{e.Message} Events seen: {string.Join(", ", seen.Select(x => x.Sequence))}; state {feed.State}, " +
                $"states {string.Join(" > ", states)}; completion {feed.Completion.Status} {feed.Completion.Exception?.GetBaseException().Message}\n" +
                $"--- the restarted node's output (end) ---\n{output[Math.Max(0, output.Length - 6000)..]}", e);
        }
        for (var i = 0; i < 4; i++) await Change(one, b, a, i);
        await Until(() => seen.Count >= 12, "events after the restart", seconds: 120);
        await Task.Delay(3000); // a catch-up round or so: nothing more may arrive

        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), seen.Select(e => e.Sequence));
        Assert.Equal(FeedConnectionState.Connected, feed.State);
        Assert.Contains(FeedConnectionState.Reconnecting, states);
        Assert.Equal(12, feed.LastSequence);
    }

    private static List<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
}
