using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using CoSellNet.Client;
using CoSellNet.Protocol;
using CoSellNet.Testing;

namespace CoSellNet.Benchmarks.Feed;

/// <summary>
/// The <c>room</c> verb: a room with three members (each its own <see cref="FeedSubscription"/> over
/// loopback WebSockets to a real node process); members post messages in turn, one at a time; for
/// each message, the time from the POST's start until every member's handler has it (and each
/// receipt on its own). Baseline in the same run: the POST's own round trip.
/// </summary>
internal static partial class FeedBenchmark
{
    public static int RunRoom(string[] args) => RoomAsync(Arg(args, "--messages", 1000)).GetAwaiter().GetResult();

    private static async Task<int> RoomAsync(int messages)
    {
        Console.WriteLine($"room benchmark {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm}Z: {Environment.ProcessorCount} CPUs ({Cpu()}), .NET {Environment.Version}, load average {Load()}");
        var cs = await PostgresServer.CreateDatabaseAsync("bench-room");
        await using var node = await Node.StartAsync(cs);
        var members = new List<(string Id, string Key)>();
        for (var i = 0; i < 3; i++) members.Add(await node.AddPartner($"Room member {i}"));
        var https = members.Select(m => node.Http(m.Key)).ToList();
        var opened = await https[0].PostAsJsonAsync(Routes.Rooms, new OpenRoom(new RoomAccount("bench-room.com", "Bench")), Json);
        opened.EnsureSuccessStatusCode();
        var room = (await opened.Content.ReadFromJsonAsync<RoomView>(Json))!;
        for (var i = 1; i < 3; i++)
        {
            (await https[0].PostAsJsonAsync(Routes.RoomPart(room.Id, "members"), new InviteMember(members[i].Id), Json)).EnsureSuccessStatusCode();
            (await https[i].PostAsync(Routes.RoomPart(room.Id, "accept"), null)).EnsureSuccessStatusCode();
        }

        // Receipts keyed by (member, message text): each message's text is unique.
        var receipts = new ConcurrentDictionary<(int Member, string Text), long>();
        var clients = members.Select(m => new CoSellNetClient(node.Url, m.Key)).ToList();
        var subscriptions = new List<FeedSubscription>();
        for (var i = 0; i < 3; i++)
        {
            var member = i;
            subscriptions.Add(await clients[i].SubscribeFeedAsync(await clients[i].GetLastFeedSequenceAsync(), e =>
            {
                if (e.Type == FeedEventTypes.RoomMessage && e.Data is { } data && data.TryGetProperty("message", out var message))
                    receipts.TryAdd((member, message.GetProperty("text").GetString()!), Stopwatch.GetTimestamp());
                return Task.CompletedTask;
            }));
        }
        try
        {
            var all = new List<double>(messages);
            var each = new List<double>(messages * 3);
            var post = new List<double>(messages);
            const int warmUp = 50;
            for (var n = 0; n < warmUp + messages; n++)
            {
                var text = $"message {n}";
                var start = Stopwatch.GetTimestamp();
                (await https[n % 3].PostAsJsonAsync(Routes.RoomPart(room.Id, "messages"), new PostMessage(text), Json)).EnsureSuccessStatusCode();
                var posted = Stopwatch.GetTimestamp();
                var wait = Stopwatch.StartNew();
                while (Enumerable.Range(0, 3).Any(m => !receipts.ContainsKey((m, text))))
                {
                    if (wait.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"'{text}' did not reach every member in 30 s.");
                    await Task.Delay(1);
                }
                if (n < warmUp) continue;
                var times = Enumerable.Range(0, 3).Select(m => Stopwatch.GetElapsedTime(start, receipts[(m, text)]).TotalMilliseconds).ToList();
                each.AddRange(times);
                all.Add(times.Max());
                post.Add(Stopwatch.GetElapsedTime(start, posted).TotalMilliseconds);
            }
            Console.WriteLine($"{messages:N0} room messages (after {warmUp} warm-up), three members posting in turn, one at a time:");
            Console.WriteLine($"  POST start -> every member has it: {Summary(all)}");
            Console.WriteLine($"  POST start -> one member has it:   {Summary(each)}");
            Console.WriteLine($"  baseline, the POST round trip:     {Summary(post)}");
            Console.WriteLine($"load average at the end {Load()}");
        }
        finally
        {
            foreach (var s in subscriptions) await s.DisposeAsync();
            foreach (var c in clients) c.Dispose();
            foreach (var h in https) h.Dispose();
        }
        return 0;
    }
}
