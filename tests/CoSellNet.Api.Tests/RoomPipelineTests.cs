using System.Net.Http.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

/// <summary>Rooms feed their vendor's pipeline: work done in a room shows up in the vendor's reports.</summary>
[Collection(NetworkCollection.Name)]
public sealed class RoomPipelineTests(Network network)
{
    private static async Task<T> Ok<T>(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return System.Text.Json.JsonSerializer.Deserialize<T>(body, Network.Json)!;
    }

    [Fact]
    public async Task A_won_room_with_partner_touches_is_credited_to_them_and_a_vendor_only_room_counts_as_direct()
    {
        var vendor = await network.AddPartner("Room Vendor", PartnerType.Vendor);
        var isv = await network.AddPartner("Room ISV", PartnerType.Technology);
        var si = await network.AddPartner("Room SI", PartnerType.Service);

        var room = await Ok<RoomView>(await vendor.Http.PostAsJsonAsync(Routes.Rooms,
            new OpenRoom(new RoomAccount("globex-room-test.com", "Globex"), "Globex expansion", Opportunity: new OpportunityUpdate(Amount: 90_000m, Currency: "USD")), Network.Json));
        foreach (var partner in new[] { isv, si })
        {
            await Ok<RoomMember>(await vendor.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "members"), new InviteMember(partner.Id), Network.Json));
            await Ok<RoomView>(await partner.Http.PostAsync(Routes.RoomPart(room.Id, "accept"), null));
        }
        var start = DateTimeOffset.UtcNow.AddDays(-10);
        await Ok<Touch>(await si.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "touches"), new NewTouch(TouchKind.Sourced, start), Network.Json));
        await Ok<Touch>(await isv.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "touches"), new NewTouch(TouchKind.Influenced, start.AddDays(5)), Network.Json));

        // Open with two partners besides the vendor: ecosystem pipeline.
        var ecosystem = await Ok<EcosystemPipelineReport>(await vendor.Http.GetAsync(Routes.Prefix + "/pipeline/ecosystem"));
        Assert.Equal(90_000m, ecosystem.Total);
        Assert.Equal(2, ecosystem.ByPartner.Count);

        await Ok<Opportunity>(await vendor.Http.PatchAsJsonAsync(Routes.RoomPart(room.Id, "opportunity"), new OpportunityUpdate(Stage: OpportunityStage.ClosedWon), Network.Json));

        var linear = await Ok<RevenueReport>(await vendor.Http.GetAsync(Routes.Prefix + "/pipeline/revenue?model=linear"));
        Assert.Equal(45_000m, linear.Sourced);
        Assert.Equal(45_000m, linear.Influenced);
        Assert.Equal(45_000m, linear.Partners.Single(p => p.PartnerId == si.Id).Sourced);
        Assert.Equal("service", linear.Partners.Single(p => p.PartnerId == si.Id).PartnerType);
        Assert.Equal(0m, (await Ok<EcosystemPipelineReport>(await vendor.Http.GetAsync(Routes.Prefix + "/pipeline/ecosystem"))).Total);

        // A room of the vendor alone, won: a direct deal.
        var direct = await Ok<RoomView>(await vendor.Http.PostAsJsonAsync(Routes.Rooms,
            new OpenRoom(new RoomAccount("initech-room-test.com", "Initech"), Opportunity: new OpportunityUpdate(Amount: 10_000m, Currency: "USD")), Network.Json));
        await Ok<Opportunity>(await vendor.Http.PatchAsJsonAsync(Routes.RoomPart(direct.Id, "opportunity"), new OpportunityUpdate(Stage: OpportunityStage.ClosedWon), Network.Json));
        var coSell = await Ok<CoSellReport>(await vendor.Http.GetAsync(Routes.Prefix + "/pipeline/co-sell"));
        Assert.Equal(1, coSell.CoSold.Won);
        Assert.Equal(1, coSell.Direct.Won);
        Assert.Equal(10_000m, coSell.Direct.AverageDealValue);
        Assert.Equal(10_000m, (await Ok<RevenueReport>(await vendor.Http.GetAsync(Routes.Prefix + "/pipeline/revenue"))).Direct);

        // The SI reads its own scorecard with the vendor; the ISV is not a vendor and has no pipeline.
        var card = await Ok<Scorecard>(await si.Http.GetAsync($"{Routes.Prefix}/pipeline/vendors/{vendor.Id}/scorecard"));
        Assert.Equal("Attached value of won deals", card.Leading[0].Name);
        Assert.Equal(90_000m, card.Leading[0].Value);
        await Problem.Expect(await isv.Http.GetAsync(Routes.Prefix + "/pipeline/revenue"), System.Net.HttpStatusCode.Forbidden);
    }
}
