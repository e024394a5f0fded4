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

    [Fact]
    public async Task Registering_a_deal_and_the_vendors_decision_reach_the_vendors_webhooks()
    {
        var vendor = await fixture.AddPartner("DealHooks", PartnerType.Vendor);
        var reseller = await fixture.AddPartner("DealHooksResell", PartnerType.Reseller);
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => (204, TimeSpan.Zero));
        await fixture.Register(vendor, receiver.Url, WebhookEventTypes.DealRegistered, WebhookEventTypes.DealDecided);
        await vendor.Publish(new ProgramRules(ProtectionDays: 30, EligibleTypes: [PartnerType.Reseller], ApprovalDeadlineDays: 5));

        var room = await reseller.RoomWith($"deal-hooks-{Guid.NewGuid():N}"[..20] + ".com");
        var registration = await RoomApi.Read<DealRegistration>(await reseller.Register(room.Id, vendor, "Met the buyer"), System.Net.HttpStatusCode.Created);
        await vendor.Decide(registration, approve: true);

        await receiver.WaitFor(received => received.Count(h => h.Accepted) >= 2, "registered and decided");
        var hooks = receiver.Received.Where(h => h.Accepted).ToList();
        Assert.Equal([WebhookEventTypes.DealRegistered, WebhookEventTypes.DealDecided], hooks.Select(h => h.Event));
        Assert.Equal("pending", hooks[0].Data.GetProperty("details").GetProperty("registration").GetProperty("status").GetString());
        Assert.Equal("approved", hooks[1].Data.GetProperty("details").GetProperty("registration").GetProperty("status").GetString());
        Assert.All(hooks, h => Assert.Equal(registration.Id, h.Data.GetProperty("details").GetProperty("registration").GetProperty("id").GetString()));
    }
}
