using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using CoSellNet.Client;
using CoSellNet.Protocol;
using CoSellNet.Testing;

namespace CoSellNet.EndToEnd.Tests;

/// <summary>
/// A room worked live across two real node processes: a vendor connected to node one, an ISV and
/// an SI connected to node two, each seeing the others' messages and stage changes as they happen.
/// </summary>
public sealed class RoomsLiveTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Partner(string Id, string Key, string Name);

    private static async Task<Partner> AddPartner(NodeProcess node, string operatorKey, string name, PartnerType type)
    {
        using var op = node.Client(operatorKey);
        var response = await op.PostAsJsonAsync(Routes.Partners,
            new PartnerRegistration(name, $"{name.ToLowerInvariant()}-{Guid.NewGuid():N}"[..28] + ".com", type), Json);
        response.EnsureSuccessStatusCode();
        var created = (await response.Content.ReadFromJsonAsync<PartnerCreated>(Json))!;
        return new Partner(created.Partner.Entry.Id, created.ApiKey.Secret, name);
    }

    private static async Task Until(Func<bool> condition, string what, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds)) throw new TimeoutException($"Waited {seconds} s for {what}.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_vendor_an_isv_and_an_si_see_each_others_messages_and_stage_changes_live_across_nodes()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("e2e-rooms");
        var clusterId = "e2e-" + Guid.NewGuid().ToString("N")[..12];
        await using var one = await NodeProcess.StartAsync(cs, clusterId);
        await using var two = await NodeProcess.StartAsync(cs, clusterId);
        var operatorKey = one.OperatorKey!;
        var vendor = await AddPartner(one, operatorKey, "Livevendor", PartnerType.Vendor);
        var isv = await AddPartner(one, operatorKey, "Liveisv", PartnerType.Technology);
        var si = await AddPartner(one, operatorKey, "Livesi", PartnerType.Service);

        // Vendor on node one; ISV and SI on node two. Each starts at its feed's beginning.
        var nodes = new Dictionary<Partner, NodeProcess> { [vendor] = one, [isv] = two, [si] = two };
        var seen = nodes.Keys.ToDictionary(p => p, _ => new ConcurrentQueue<FeedEvent>());
        var clients = new List<CoSellNetClient>();
        var subscriptions = new List<FeedSubscription>();
        foreach (var (partner, node) in nodes)
        {
            var client = new CoSellNetClient(node.Url, partner.Key);
            clients.Add(client);
            subscriptions.Add(await client.SubscribeFeedAsync(0, e =>
            {
                seen[partner].Enqueue(e);
                return Task.CompletedTask;
            }));
        }
        try
        {
            using var vendorHttp = one.Client(vendor.Key);
            using var isvHttp = two.Client(isv.Key);
            using var siHttp = two.Client(si.Key);
            var opened = await vendorHttp.PostAsJsonAsync(Routes.Rooms,
                new OpenRoom(new RoomAccount("umbrella-live.com", "Umbrella"), "Umbrella rollout", Opportunity: new OpportunityUpdate(Amount: 250_000m, Currency: "USD")), Json);
            opened.EnsureSuccessStatusCode();
            var room = (await opened.Content.ReadFromJsonAsync<RoomView>(Json))!;
            foreach (var (member, http) in new[] { (isv, isvHttp), (si, siHttp) })
            {
                (await vendorHttp.PostAsJsonAsync(Routes.RoomPart(room.Id, "members"), new InviteMember(member.Id), Json)).EnsureSuccessStatusCode();
                (await http.PostAsync(Routes.RoomPart(room.Id, "accept"), null)).EnsureSuccessStatusCode();
            }

            // Messages from each member (on both nodes), then a stage change by the SI on node two.
            (await vendorHttp.PostAsJsonAsync(Routes.RoomPart(room.Id, "messages"), new PostMessage("Kick-off Tuesday?"), Json)).EnsureSuccessStatusCode();
            (await isvHttp.PostAsJsonAsync(Routes.RoomPart(room.Id, "messages"), new PostMessage("Our integration demo is ready."), Json)).EnsureSuccessStatusCode();
            (await siHttp.PostAsJsonAsync(Routes.RoomPart(room.Id, "messages"), new PostMessage("We can staff the rollout."), Json)).EnsureSuccessStatusCode();
            (await siHttp.PatchAsJsonAsync(Routes.RoomPart(room.Id, "opportunity"), new OpportunityUpdate(Stage: OpportunityStage.Propose), Json)).EnsureSuccessStatusCode();

            List<FeedEvent> RoomEvents(Partner p, string type) => [.. seen[p].Where(e => e.Room == room.Id && e.Type == type)];
            foreach (var partner in nodes.Keys)
                await Until(() => RoomEvents(partner, FeedEventTypes.RoomMessage).Count >= 3 && RoomEvents(partner, FeedEventTypes.RoomOpportunityChanged).Count >= 1,
                    $"{partner.Name} to see three messages and the stage change");

            foreach (var partner in nodes.Keys)
            {
                // Every member sees the three messages in the order they were posted, each by its author.
                Assert.Equal([vendor.Id, isv.Id, si.Id], RoomEvents(partner, FeedEventTypes.RoomMessage).Select(e => e.Partner));
                var stage = RoomEvents(partner, FeedEventTypes.RoomOpportunityChanged).Single();
                Assert.Equal(si.Id, stage.Partner);
                Assert.Equal("propose", stage.Data!.Value.GetProperty("opportunity").GetProperty("stage").GetString());
                // And each feed is whole: numbered 1, 2, 3, … with nothing missing or repeated.
                Assert.Equal(Enumerable.Range(1, seen[partner].Count).Select(i => (long)i), seen[partner].Select(e => e.Sequence));
            }
        }
        finally
        {
            foreach (var subscription in subscriptions) await subscription.DisposeAsync();
            foreach (var client in clients) client.Dispose();
        }
    }
}
