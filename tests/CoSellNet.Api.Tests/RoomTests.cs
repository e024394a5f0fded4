using System.Net;
using System.Net.Http.Json;
using System.Text;
using CoSellNet.Protocol;
using CoSellNet.Silo.Psi;
using Npgsql;

namespace CoSellNet.Api.Tests;

[Collection(NetworkCollection.Name)]
public sealed class RoomTests(Network network)
{
    [Fact]
    public async Task A_vendor_an_isv_and_an_si_work_one_room_and_each_reads_every_change_in_order_in_its_feed()
    {
        var vendor = await network.AddPartner("Vendorco", PartnerType.Vendor);
        var isv = await network.AddPartner("Isvco", PartnerType.Technology);
        var si = await network.AddPartner("Integrator", PartnerType.Service);

        var open = await isv.Http.PostAsJsonAsync(Routes.Rooms, new OpenRoom(new RoomAccount("https://www.Globex.example.com/about", "Globex"), "Globex platform deal"), Network.Json);
        var room = await RoomApi.Read<RoomView>(open, HttpStatusCode.Created);
        Assert.Equal(Routes.Room(room.Id), open.Headers.Location?.OriginalString);
        Assert.Equal(new RoomAccount("example.com", "Globex"), room.Account); // example.com is the registrable domain
        await isv.Invite(room.Id, vendor);
        await isv.Invite(room.Id, si, RoomRole.Member);
        var asInvitee = await RoomApi.Read<RoomView>(await si.Http.GetAsync(Routes.Room(room.Id)));
        Assert.Null(asInvitee.Opportunity);
        Assert.Equal(MemberStatus.Invited, asInvitee.Me.Status);
        await vendor.Accept(room.Id);
        await si.Accept(room.Id);

        await RoomApi.Read<RoomMessage>(await vendor.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "messages"), new PostMessage("We have a rep on this account."), Network.Json), HttpStatusCode.Created);
        var opportunity = await RoomApi.Read<Opportunity>(await si.Http.PatchAsJsonAsync(Routes.RoomPart(room.Id, "opportunity"),
            new OpportunityUpdate(OpportunityStage.Develop, 250_000m, "EUR", new DateOnly(2027, 6, 30), ["Platform", "Support"]), Network.Json));
        Assert.Equal((OpportunityStage.Develop, 250_000m, "EUR", si.Id), (opportunity.Stage, opportunity.Amount, opportunity.Currency, opportunity.UpdatedBy));
        var task = await RoomApi.Read<RoomTask>(await isv.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "tasks"),
            new NewRoomTask("Joint discovery call", si.Id, new DateOnly(2027, 1, 20)), Network.Json), HttpStatusCode.Created);
        await RoomApi.Read<RoomTask>(await si.Http.PatchAsJsonAsync(Routes.RoomTask(room.Id, task.Id), new RoomTaskUpdate(Status: RoomTaskStatus.Done), Network.Json));
        var touch = await RoomApi.Read<Touch>(await si.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "touches"), new NewTouch(TouchKind.Influenced, Note: "Ran the workshop"), Network.Json), HttpStatusCode.Created);
        Assert.Equal(si.Id, touch.PartnerId);
        await RoomApi.Read<Touch>(await isv.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "touches"), new NewTouch(TouchKind.Sourced), Network.Json), HttpStatusCode.Created);

        string[] afterJoining =
        [
            FeedEventTypes.RoomMessage, FeedEventTypes.RoomOpportunityChanged, FeedEventTypes.RoomTaskChanged,
            FeedEventTypes.RoomTaskChanged, FeedEventTypes.RoomTouch, FeedEventTypes.RoomTouch,
        ];
        var isvFeed = await isv.RoomFeed(room.Id);
        Assert.Equal([FeedEventTypes.RoomMemberChanged, FeedEventTypes.RoomMemberChanged, FeedEventTypes.RoomMemberChanged, FeedEventTypes.RoomMemberChanged, .. afterJoining],
            isvFeed.Select(e => e.Type));
        var vendorFeed = await vendor.RoomFeed(room.Id);
        Assert.Equal([FeedEventTypes.RoomInvited, FeedEventTypes.RoomMemberChanged, FeedEventTypes.RoomMemberChanged, .. afterJoining], vendorFeed.Select(e => e.Type));
        var siFeed = await si.RoomFeed(room.Id);
        Assert.Equal([FeedEventTypes.RoomInvited, FeedEventTypes.RoomMemberChanged, .. afterJoining], siFeed.Select(e => e.Type));
        foreach (var feed in new[] { isvFeed, vendorFeed, siFeed })
            Assert.True(feed.Zip(feed.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
        Assert.Equal("Globex platform deal", siFeed[0].Data!.Value.GetProperty("room").GetProperty("title").GetString());
        Assert.Equal("We have a rep on this account.", siFeed[2].Data!.Value.GetProperty("message").GetProperty("text").GetString());
        Assert.Equal(vendor.Id, siFeed[2].Partner);
        Assert.Equal("done", siFeed[5].Data!.Value.GetProperty("task").GetProperty("status").GetString());

        // Lists are cursor-paged.
        var first = (await vendor.Http.GetFromJsonAsync<Page<Touch>>(Routes.RoomPart(room.Id, "touches") + "?limit=1", Network.Json))!;
        var second = (await vendor.Http.GetFromJsonAsync<Page<Touch>>(Routes.RoomPart(room.Id, "touches") + $"?limit=1&cursor={first.NextCursor}", Network.Json))!;
        Assert.Equal([TouchKind.Influenced, TouchKind.Sourced], first.Items.Concat(second.Items).Select(t => t.Kind));
        Assert.Null(second.NextCursor);
        var members = (await si.Http.GetFromJsonAsync<Page<RoomMember>>(Routes.RoomPart(room.Id, "members"), Network.Json))!;
        Assert.Equal(3, members.Items.Count(m => m.Status == MemberStatus.Accepted));
        foreach (var member in new[] { vendor, isv, si })
            Assert.Contains((await member.Http.GetFromJsonAsync<Page<RoomView>>(Routes.Rooms, Network.Json))!.Items, r => r.Id == room.Id);
        var history = (await vendor.Http.GetFromJsonAsync<Page<RoomChange>>(Routes.RoomPart(room.Id, "history"), Network.Json))!;
        Assert.Equal(["opened", "account-named", "invited", "invited", "accepted", "accepted", "opportunity-changed", "task-created", "task-updated", "touch-recorded", "touch-recorded"],
            history.Items.Select(h => h.Action));
    }

    [Fact]
    public async Task Messages_page_by_cursor_oldest_first()
    {
        var isv = await network.AddPartner("Pager", PartnerType.Technology);
        var room = await isv.OpenRoom("initech.com", "Initech");
        for (var i = 1; i <= 5; i++)
            await RoomApi.Read<RoomMessage>(await isv.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "messages"), new PostMessage($"message {i}"), Network.Json), HttpStatusCode.Created);
        var texts = new List<string>();
        string? cursor = null;
        do
        {
            var page = (await isv.Http.GetFromJsonAsync<Page<RoomMessage>>(Routes.RoomPart(room.Id, "messages") + "?limit=2" + (cursor is null ? "" : "&cursor=" + cursor), Network.Json))!;
            Assert.True(page.Items.Count <= 2);
            texts.AddRange(page.Items.Select(m => m.Text));
            cursor = page.NextCursor;
        } while (cursor is not null);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"message {i}"), texts);
        Assert.Equal(5, (await RoomApi.Read<RoomView>(await isv.Http.GetAsync(Routes.Room(room.Id)))).Messages);
        await Problem.Expect(await isv.Http.GetAsync(Routes.RoomPart(room.Id, "messages") + "?cursor=!!"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Bad_input_is_refused_with_clear_problems()
    {
        var isv = await network.AddPartner("Careful", PartnerType.Technology);
        var viewer = await network.AddPartner("Watcher", PartnerType.Influence);
        var si = await network.AddPartner("Helper", PartnerType.Service);
        var room = await isv.RoomWith("hooli.com", si);
        await isv.Invite(room.Id, viewer, RoomRole.Viewer);
        await viewer.Accept(room.Id);
        var opportunity = Routes.RoomPart(room.Id, "opportunity");

        var negative = await Problem.Expect(await isv.Http.PatchAsJsonAsync(opportunity, new OpportunityUpdate(Amount: -5, Currency: "USD"), Network.Json), HttpStatusCode.BadRequest);
        Assert.True(negative.HasError("amount"));
        var unknown = await Problem.Expect(await isv.Http.PatchAsJsonAsync(opportunity, new OpportunityUpdate(Amount: 5, Currency: "ABC"), Network.Json), HttpStatusCode.BadRequest);
        Assert.Contains("'ABC' is not a currency", unknown.GetProperty("errors").GetProperty("currency")[0].GetString());
        var badStage = await Problem.Expect(await isv.Http.PatchAsync(opportunity, new StringContent("""{"stage":"won"}""", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        Assert.Contains("stage", badStage.Detail());
        var huge = await Problem.Expect(await isv.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "messages"), new PostMessage(new string('a', 4001)), Network.Json), HttpStatusCode.BadRequest);
        Assert.Contains("the limit is 4000", huge.GetProperty("errors").GetProperty("text")[0].GetString());
        var badDomain = await Problem.Expect(await isv.Http.PostAsJsonAsync(Routes.Rooms, new OpenRoom(new RoomAccount("yahoo.com", "Someone")), Network.Json), HttpStatusCode.BadRequest);
        Assert.True(badDomain.HasError("account.domain"));

        var viewerWrites = await Problem.Expect(await viewer.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "messages"), new PostMessage("hello"), Network.Json), HttpStatusCode.Forbidden);
        Assert.Contains("viewer", viewerWrites.Detail());
        await Problem.Expect(await viewer.Http.PatchAsJsonAsync(opportunity, new OpportunityUpdate(OpportunityStage.Propose), Network.Json), HttpStatusCode.Forbidden);
        await Problem.Expect(await viewer.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "tasks"), new NewRoomTask("x"), Network.Json), HttpStatusCode.Forbidden);
        await Problem.Expect(await si.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "members"), new InviteMember(viewer.Id), Network.Json), HttpStatusCode.Forbidden);

        var mine = await RoomApi.Read<Touch>(await isv.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "touches"), new NewTouch(TouchKind.Sourced), Network.Json), HttpStatusCode.Created);
        var notYours = await Problem.Expect(await si.Http.PatchAsJsonAsync(Routes.RoomTouch(room.Id, mine.Id), new TouchUpdate(TouchKind.Transacted), Network.Json), HttpStatusCode.Forbidden);
        Assert.Contains("Careful", notYours.Detail());
        await Problem.Expect(await si.Http.DeleteAsync(Routes.RoomTouch(room.Id, mine.Id)), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await isv.Http.DeleteAsync(Routes.RoomTouch(room.Id, mine.Id))).StatusCode);

        await RoomApi.Read<Opportunity>(await isv.Http.PatchAsJsonAsync(opportunity, new OpportunityUpdate(OpportunityStage.ClosedLost), Network.Json));
        var reopen = await Problem.Expect(await isv.Http.PatchAsJsonAsync(opportunity, new OpportunityUpdate(OpportunityStage.Negotiate), Network.Json), HttpStatusCode.Conflict);
        Assert.Contains("closed-lost", reopen.Detail());
        var vendor = await network.AddPartner("Late vendor", PartnerType.Vendor);
        await vendor.Publish(new ProgramRules());
        var closed = await Problem.Expect(await si.Register(room.Id, vendor), HttpStatusCode.Conflict);
        Assert.Equal("Room closed", closed.GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_room_opens_from_an_overlap_the_opener_sees()
    {
        var (vendor, si) = await network.AddPartnership();
        Assert.Equal(HttpStatusCode.OK, (await vendor.Http.PutAsJsonAsync(Routes.PartnershipAction(si.Id, "rules"),
            new SetRules([new SharingRule("customers", SharingLevel.Overlaps)]), Network.Json)).StatusCode);
        var partnership = (await si.Http.GetFromJsonAsync<PartnershipView>(Routes.Partnership(vendor.Id), Network.Json))!;
        const string siRecord = "0123456789abcdef0123456789abcdef";
        await using (var db = NpgsqlDataSource.Create(network.Node.ConnectionString))
        {
            // Simulates a released match: the SI's prospect is the vendor's customer.
            (byte[] Record, string Population) siSide = (Convert.FromHexString(siRecord), "prospects"), vendorSide = (new byte[16], "customers");
            var (low, high) = string.CompareOrdinal(si.Id, vendor.Id) < 0 ? (siSide, vendorSide) : (vendorSide, siSide);
            await new MatchStore(db).Store(partnership.Id, partnership.Epoch, [new ReleasedMatch(low.Record, low.Population, high.Record, high.Population)]);
        }
        var overlaps = (await si.Http.GetFromJsonAsync<Page<OverlapRecord>>(Routes.PsiOverlaps(vendor.Id), Network.Json))!;
        Assert.Equal(siRecord, overlaps.Items.Single().RecordId);

        var room = await si.OpenRoom("umbrella.com", "Umbrella", new OverlapReference(vendor.Id, siRecord));
        var named = (await si.Http.GetFromJsonAsync<Page<RoomChange>>(Routes.RoomPart(room.Id, "history"), Network.Json))!.Items.Single(h => h.Action == "account-named");
        Assert.Contains(siRecord, named.Detail);
        var missing = await Problem.Expect(await si.Http.PostAsJsonAsync(Routes.Rooms,
            new OpenRoom(new RoomAccount("umbrella.com", "Umbrella"), FromOverlap: new OverlapReference(vendor.Id, "ffffffffffffffffffffffffffffffff")), Network.Json), HttpStatusCode.NotFound);
        Assert.Contains("psi/overlaps", missing.Detail());
        // The vendor may not see the SI's population: the SI shares nothing with it.
        await Problem.Expect(await vendor.Http.PostAsJsonAsync(Routes.Rooms,
            new OpenRoom(new RoomAccount("umbrella.com", "Umbrella"), FromOverlap: new OverlapReference(si.Id, "00000000000000000000000000000000")), Network.Json), HttpStatusCode.NotFound);
    }
}
