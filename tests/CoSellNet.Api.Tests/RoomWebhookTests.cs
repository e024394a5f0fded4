using System.Net.Http.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

/// <summary>Rooms raise the vendor's webhook events: opened, stage changed, closed-won, in the room's order.</summary>
public sealed class RoomWebhookTests(WebhookNode fixture) : IClassFixture<WebhookNode>
{
    [Fact]
    public async Task A_vendors_room_sends_opened_stage_changes_and_closed_won_in_order()
    {
        var vendor = await fixture.AddPartner("RoomHooks", PartnerType.Vendor);
        var si = await fixture.AddPartner("RoomHooksSi", PartnerType.Service);
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => (204, TimeSpan.Zero));
        await fixture.Register(vendor, receiver.Url, WebhookEventTypes.RoomOpened, WebhookEventTypes.RoomStageChanged, WebhookEventTypes.RoomClosedWon);

        var open = await vendor.Http.PostAsJsonAsync(Routes.Rooms, new OpenRoom(new RoomAccount("hooked-room.com", "Hooked Room"), Opportunity: new OpportunityUpdate(Amount: 5_000m, Currency: "EUR")), Network.Json);
        var room = (await open.Content.ReadFromJsonAsync<RoomView>(Network.Json))!;
        (await vendor.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "members"), new InviteMember(si.Id), Network.Json)).EnsureSuccessStatusCode();
        (await si.Http.PostAsync(Routes.RoomPart(room.Id, "accept"), null)).EnsureSuccessStatusCode();
        foreach (var stage in new[] { OpportunityStage.Develop, OpportunityStage.ClosedWon })
            (await si.Http.PatchAsJsonAsync(Routes.RoomPart(room.Id, "opportunity"), new OpportunityUpdate(Stage: stage), Network.Json)).EnsureSuccessStatusCode();

        await receiver.WaitFor(received => received.Count(h => h.Accepted) >= 4, "four room events");
        var hooks = receiver.Received.Where(h => h.Accepted).ToList();
        Assert.Equal([WebhookEventTypes.RoomOpened, WebhookEventTypes.RoomStageChanged, WebhookEventTypes.RoomStageChanged, WebhookEventTypes.RoomClosedWon],
            hooks.Select(h => h.Event));
        Assert.All(hooks, h => Assert.Equal(room.Id, h.Data.GetProperty("room").GetProperty("id").GetString()));
        Assert.Equal("develop", hooks[1].Data.GetProperty("details").GetProperty("stage").GetString());
        Assert.Equal(si.Id, hooks[3].Data.GetProperty("by").GetString());
        Assert.Equal(5_000m, hooks[3].Data.GetProperty("opportunity").GetProperty("amount").GetDecimal());
    }
}
