using System.Net;
using System.Net.Http.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

/// <summary>Members leave rooms, owners remove members: access, events, history and attribution afterwards.</summary>
[Collection(NetworkCollection.Name)]
public sealed class RoomLeavingTests(Network network)
{
    private static string Domain(string name) => $"{name}-{Guid.NewGuid():N}"[..20] + ".com";

    [Fact]
    public async Task A_member_that_leaves_reads_nothing_more_gets_no_more_events_and_the_history_says_who_left_when()
    {
        var isv = await network.AddPartner("Leave owner", PartnerType.Technology);
        var si = await network.AddPartner("Leave SI", PartnerType.Service);
        var reseller = await network.AddPartner("Leave reseller", PartnerType.Reseller);
        var room = await isv.RoomWith(Domain("leave"), si, reseller);
        await RoomApi.Read<Touch>(await si.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "touches"), new NewTouch(TouchKind.Influenced), Network.Json), HttpStatusCode.Created);

        Assert.Equal(HttpStatusCode.NoContent, (await si.Http.DeleteAsync(Routes.RoomMember(room.Id, si.Id))).StatusCode);
        await RoomApi.Read<RoomMessage>(await isv.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "messages"), new PostMessage("after the SI left"), Network.Json), HttpStatusCode.Created);

        // The SI's last event of the room is its own leaving; the others see it too, then carry on.
        var siFeed = await si.RoomFeed(room.Id);
        Assert.Equal(FeedEventTypes.RoomMemberChanged, siFeed[^1].Type);
        Assert.Equal("left", siFeed[^1].Data!.Value.GetProperty("action").GetString());
        Assert.DoesNotContain(siFeed, e => e.Type == FeedEventTypes.RoomMessage);
        var resellerFeed = await reseller.RoomFeed(room.Id);
        Assert.Equal([FeedEventTypes.RoomMemberChanged, FeedEventTypes.RoomMessage], resellerFeed.TakeLast(2).Select(e => e.Type));

        // Every room route answers the SI as a foreign partner: not found.
        foreach (var url in new[] { Routes.Room(room.Id), Routes.RoomPart(room.Id, "messages"), Routes.RoomPart(room.Id, "history"), Routes.RoomPart(room.Id, "touches") })
            await Problem.Expect(await si.Http.GetAsync(url), HttpStatusCode.NotFound);
        await Problem.Expect(await si.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "messages"), new PostMessage("still here?"), Network.Json), HttpStatusCode.NotFound);
        await Problem.Expect(await si.Http.DeleteAsync(Routes.RoomMember(room.Id, si.Id)), HttpStatusCode.NotFound);
        Assert.DoesNotContain(room.Id, await si.Http.GetStringAsync(Routes.Rooms));

        // The members still see the SI (as left) and its touch; the history names who left and when.
        var members = (await isv.Http.GetFromJsonAsync<Page<RoomMember>>(Routes.RoomPart(room.Id, "members"), Network.Json))!.Items;
        Assert.Equal(MemberStatus.Left, members.Single(m => m.PartnerId == si.Id).Status);
        Assert.Equal(si.Id, (await isv.Http.GetFromJsonAsync<Page<Touch>>(Routes.RoomPart(room.Id, "touches"), Network.Json))!.Items.Single().PartnerId);
        var left = (await reseller.Http.GetFromJsonAsync<Page<RoomChange>>(Routes.RoomPart(room.Id, "history"), Network.Json))!.Items[^1];
        Assert.Equal(("left", si.Id), (left.Action, left.ByPartner));
        Assert.Contains("Leave SI", left.Detail);
        Assert.Contains("1 touch stays", left.Detail);
        Assert.True(left.At > DateTimeOffset.UtcNow.AddMinutes(-5));

        // Invited again, it comes back through the invitation like anyone.
        await isv.Invite(room.Id, si);
        Assert.Equal(MemberStatus.Accepted, (await si.Accept(room.Id)).Me.Status);
    }

    [Fact]
    public async Task An_owner_removes_a_member_or_an_invitee_and_only_owners_may()
    {
        var owner = await network.AddPartner("Remove owner", PartnerType.Technology);
        var member = await network.AddPartner("Remove member", PartnerType.Service);
        var invitee = await network.AddPartner("Remove invitee", PartnerType.Referral);
        var room = await owner.RoomWith(Domain("remove"), member);
        await owner.Invite(room.Id, invitee);

        var notOwner = await Problem.Expect(await member.Http.DeleteAsync(Routes.RoomMember(room.Id, owner.Id)), HttpStatusCode.Forbidden);
        Assert.Contains("owner", notOwner.Detail());
        await Problem.Expect(await owner.Http.DeleteAsync(Routes.RoomMember(room.Id, "nobody")), HttpStatusCode.NotFound);

        var notYet = await Problem.Expect(await invitee.Http.DeleteAsync(Routes.RoomMember(room.Id, invitee.Id)), HttpStatusCode.Conflict);
        Assert.Contains("decline", notYet.Detail());
        Assert.Equal(HttpStatusCode.NoContent, (await owner.Http.DeleteAsync(Routes.RoomMember(room.Id, member.Id))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.Http.DeleteAsync(Routes.RoomMember(room.Id, invitee.Id))).StatusCode);
        await Problem.Expect(await member.Http.GetAsync(Routes.Room(room.Id)), HttpStatusCode.NotFound);
        await Problem.Expect(await invitee.Http.PostAsync(Routes.RoomPart(room.Id, "accept"), null), HttpStatusCode.NotFound);
        Assert.Equal("removed", (await member.RoomFeed(room.Id))[^1].Data!.Value.GetProperty("action").GetString());
        Assert.Equal("removed", (await invitee.RoomFeed(room.Id))[^1].Data!.Value.GetProperty("action").GetString());
        var history = (await owner.Http.GetFromJsonAsync<Page<RoomChange>>(Routes.RoomPart(room.Id, "history"), Network.Json))!.Items;
        Assert.Equal([("removed", owner.Id), ("removed", owner.Id)], history.TakeLast(2).Select(h => (h.Action, h.ByPartner)));

        // The last owner does not leave members behind without an owner.
        await owner.Invite(room.Id, member);
        await member.Accept(room.Id);
        var lastOwner = await Problem.Expect(await owner.Http.DeleteAsync(Routes.RoomMember(room.Id, owner.Id)), HttpStatusCode.Conflict);
        Assert.Equal("Last owner", lastOwner.GetProperty("title").GetString());
        await RoomApi.Read<RoomMember>(await owner.Http.PutAsJsonAsync(Routes.RoomMemberRole(room.Id, member.Id), new SetMemberRole(RoomRole.Owner), Network.Json));
        Assert.Equal(HttpStatusCode.NoContent, (await owner.Http.DeleteAsync(Routes.RoomMember(room.Id, owner.Id))).StatusCode);
    }

    [Fact]
    public async Task The_last_member_of_an_open_room_with_a_live_registration_is_refused_until_the_room_closes()
    {
        var vendor = await network.AddPartner("Last vendor", PartnerType.Vendor);
        var isv = await network.AddPartner("Last isv", PartnerType.Technology);
        var invitee = await network.AddPartner("Last invitee", PartnerType.Service);
        await vendor.Publish(new ProgramRules());
        var room = await isv.OpenRoom(Domain("last"), "Last Corp");
        var registration = await RoomApi.Read<DealRegistration>(await isv.Register(room.Id, vendor), HttpStatusCode.Created);
        await isv.Invite(room.Id, invitee);

        var refused = await Problem.Expect(await isv.Http.DeleteAsync(Routes.RoomMember(room.Id, isv.Id)), HttpStatusCode.Conflict);
        Assert.Equal(DealRules.LastMemberKeepsDeal, refused.GetProperty("rule").GetString());
        Assert.Equal(registration.Id, refused.GetProperty("registrationId").GetString());
        Assert.Contains("closed-won or closed-lost", refused.Detail());
        await vendor.Decide(registration, approve: true);
        await Problem.Expect(await isv.Http.DeleteAsync(Routes.RoomMember(room.Id, isv.Id)), HttpStatusCode.Conflict);

        await RoomApi.Read<Opportunity>(await isv.Http.PatchAsJsonAsync(Routes.RoomPart(room.Id, "opportunity"), new OpportunityUpdate(OpportunityStage.ClosedLost), Network.Json));
        Assert.Equal(HttpStatusCode.NoContent, (await isv.Http.DeleteAsync(Routes.RoomMember(room.Id, isv.Id))).StatusCode);
        // Nobody is left: the open invitation goes with the room, and the registration is the ISV's still.
        await Problem.Expect(await invitee.Http.GetAsync(Routes.Room(room.Id)), HttpStatusCode.NotFound);
        Assert.Equal("removed", (await invitee.RoomFeed(room.Id))[^1].Data!.Value.GetProperty("action").GetString());
        Assert.Equal(RegistrationStatus.Approved, (await RoomApi.Read<DealRegistration>(await isv.Http.GetAsync(Routes.ProgramRegistration(vendor.Id, registration.Id)))).Status);
    }

    [Fact]
    public async Task A_partner_that_left_keeps_its_credit_in_the_vendor_pipeline_and_a_vendor_that_left_drops_the_room()
    {
        var vendor = await network.AddPartner("Credit vendor", PartnerType.Vendor);
        var isv = await network.AddPartner("Credit isv", PartnerType.Technology);
        var si = await network.AddPartner("Credit si", PartnerType.Service);
        var room = await RoomApi.Read<RoomView>(await vendor.Http.PostAsJsonAsync(Routes.Rooms,
            new OpenRoom(new RoomAccount(Domain("credit"), "Credit Co"), Opportunity: new OpportunityUpdate(Amount: 80_000m, Currency: "USD")), Network.Json), HttpStatusCode.Created);
        foreach (var partner in new[] { isv, si })
        {
            await vendor.Invite(room.Id, partner);
            await partner.Accept(room.Id);
        }
        await RoomApi.Read<Touch>(await si.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "touches"), new NewTouch(TouchKind.Sourced, DateTimeOffset.UtcNow.AddDays(-3)), Network.Json), HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.NoContent, (await si.Http.DeleteAsync(Routes.RoomMember(room.Id, si.Id))).StatusCode);

        // Still an ecosystem room: the SI took part, and its type is known.
        var ecosystem = await RoomApi.Read<EcosystemPipelineReport>(await vendor.Http.GetAsync(Routes.Prefix + "/pipeline/ecosystem"));
        Assert.Equal(80_000m, ecosystem.Total);
        Assert.Contains(ecosystem.ByPartner, p => p.Key == si.Id);

        await RoomApi.Read<Opportunity>(await vendor.Http.PatchAsJsonAsync(Routes.RoomPart(room.Id, "opportunity"), new OpportunityUpdate(OpportunityStage.ClosedWon), Network.Json));
        var revenue = await RoomApi.Read<RevenueReport>(await vendor.Http.GetAsync(Routes.Prefix + "/pipeline/revenue?model=sourced"));
        var credit = revenue.Partners.Single(p => p.PartnerId == si.Id);
        Assert.Equal((80_000m, "service"), (credit.Sourced, credit.PartnerType));

        // A vendor that leaves has the room no more in its pipeline.
        var other = await network.AddPartner("Leaving vendor", PartnerType.Vendor);
        var second = await isv.RoomWith(Domain("gone"), other, si);
        await RoomApi.Read<Opportunity>(await isv.Http.PatchAsJsonAsync(Routes.RoomPart(second.Id, "opportunity"), new OpportunityUpdate(Amount: 5_000m, Currency: "USD"), Network.Json));
        Assert.Equal(5_000m, (await RoomApi.Read<EcosystemPipelineReport>(await other.Http.GetAsync(Routes.Prefix + "/pipeline/ecosystem"))).Total);
        Assert.Equal(HttpStatusCode.NoContent, (await other.Http.DeleteAsync(Routes.RoomMember(second.Id, other.Id))).StatusCode);
        Assert.Equal(0m, (await RoomApi.Read<EcosystemPipelineReport>(await other.Http.GetAsync(Routes.Prefix + "/pipeline/ecosystem"))).Total);
    }
}
