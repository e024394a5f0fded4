using System.Text.Json;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Feed;
using CoSellNet.Silo.Partners;
using CoSellNet.Silo.Partnerships;
using CoSellNet.Silo.Psi;
using CoSellNet.Silo.Rooms;
using Npgsql;

namespace CoSellNet.Silo.Tests.Grains;

[Collection(GrainCollection.Name)]
public sealed class RoomGrainTests(GrainCluster cluster) : IAsyncLifetime
{
    private NpgsqlDataSource _db = null!;
    private FeedStore _feeds = null!;

    public Task InitializeAsync()
    {
        _db = NpgsqlDataSource.Create(cluster.ConnectionString);
        _feeds = new FeedStore(_db);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private async Task<string> Partner(string name, PartnerType type = PartnerType.Technology)
    {
        var id = Guid.NewGuid().ToString("N");
        await cluster.Grains.GetGrain<IPartnerGrain>(id).Register(new PartnerRegistration(name, $"{name.ToLowerInvariant()}-{id[..12]}.com", type));
        return id;
    }

    private IOpportunityRoomGrain Room() => cluster.Grains.GetGrain<IOpportunityRoomGrain>(Guid.NewGuid().ToString("N"));

    private static OpenRoom Acme(OverlapReference? from = null) => new(new RoomAccount("https://www.EU.Acme.com/contact", "Acme Corp"), FromOverlap: from);

    private async Task<List<FeedEvent>> Feed(string partner, string room) =>
        [.. (await _feeds.Read(partner, 0, 1000)).Items.Where(e => e.Room == room)];

    private static async Task<ProblemKind> Refusal(Func<Task> act) => (await Assert.ThrowsAsync<ProblemException>(act)).Kind;

    [Fact]
    public async Task Opening_names_the_account_as_consent_and_makes_the_opener_owner()
    {
        var isv = await Partner("Isv");
        var room = Room();
        var view = await room.Open(isv, Acme());

        Assert.Equal(new RoomAccount("acme.com", "Acme Corp"), view.Account);
        Assert.Equal("Acme Corp", view.Title);
        Assert.Equal((RoomRole.Owner, MemberStatus.Accepted), (view.Me.Role, view.Me.Status));
        Assert.Equal(OpportunityStage.Qualify, view.Opportunity!.Stage);
        var history = await room.History(isv, 0, 10);
        Assert.Equal(["opened", "account-named"], history.Select(h => h.Action));
        Assert.Contains("acme.com", history[1].Detail);
        Assert.Contains("consent", history[1].Detail);
        Assert.All(history, h => Assert.Equal(isv, h.ByPartner));

        var problem = await Assert.ThrowsAsync<ProblemException>(() => Room().Open(isv, new OpenRoom(new RoomAccount("gmail.com", ""))));
        Assert.Contains("account.domain", problem.Errors!.Keys);
        Assert.Contains("account.name", problem.Errors.Keys);
    }

    [Fact]
    public async Task Outsiders_see_nothing_invitees_only_look_and_answer_viewers_only_read()
    {
        var isv = await Partner("Isv");
        var si = await Partner("Si", PartnerType.Service);
        var outsider = await Partner("Outsider", PartnerType.Reseller);
        var room = Room();
        await room.Open(isv, Acme());
        await room.Invite(isv, new InviteMember(si, RoomRole.Viewer));
        var task = await room.AddTask(isv, new NewRoomTask("Call the CIO"));
        var touch = await room.RecordTouch(isv, new NewTouch(TouchKind.Sourced));

        var everything = new Func<string, Task>[]
        {
            by => room.Get(by), by => room.History(by, 0, 10), by => room.Members(by), by => room.Messages(by, 0, 10),
            by => room.Tasks(by), by => room.GetOpportunity(by), by => room.Touches(by), by => room.Registrations(by),
            by => room.Invite(by, new InviteMember(outsider)), by => room.Accept(by), by => room.Decline(by),
            by => room.SetRole(by, isv, RoomRole.Viewer), by => room.Post(by, new PostMessage("hi")),
            by => room.AddTask(by, new NewRoomTask("x")), by => room.UpdateTask(by, task.Id, new RoomTaskUpdate(Status: RoomTaskStatus.Done)),
            by => room.UpdateOpportunity(by, new OpportunityUpdate(Stage: OpportunityStage.Develop)),
            by => room.RecordTouch(by, new NewTouch(TouchKind.Influenced)), by => room.UpdateTouch(by, touch.Id, new TouchUpdate(Note: "x")),
            by => room.RemoveTouch(by, touch.Id), by => room.Register(by, new RegisterDeal(isv)),
        };
        foreach (var act in everything)
            Assert.Equal(ProblemKind.NotFound, await Refusal(() => act(outsider)));
        // A room that does not exist answers in the same way.
        Assert.Equal(ProblemKind.NotFound, await Refusal(() => Room().Get(outsider)));

        var invited = await room.Get(si);
        Assert.Null(invited.Opportunity);
        Assert.Equal(0, invited.OpenTasks);
        Assert.Equal(ProblemKind.Forbidden, await Refusal(() => room.Messages(si, 0, 10)));
        Assert.Equal(ProblemKind.Forbidden, await Refusal(() => room.Post(si, new PostMessage("before accepting"))));

        await room.Accept(si);
        Assert.Equal(1, (await room.Get(si)).OpenTasks);
        Assert.Single(await room.Touches(si));
        Assert.Equal(ProblemKind.Forbidden, await Refusal(() => room.Post(si, new PostMessage("as a viewer"))));
        Assert.Equal(ProblemKind.Forbidden, await Refusal(() => room.UpdateOpportunity(si, new OpportunityUpdate(Amount: 5, Currency: "EUR"))));
        Assert.Equal(ProblemKind.Forbidden, await Refusal(() => room.Invite(si, new InviteMember(outsider))));
        Assert.Equal(ProblemKind.Forbidden, await Refusal(() => room.RecordTouch(si, new NewTouch(TouchKind.Influenced))));
        Assert.Equal(ProblemKind.Conflict, await Refusal(() => room.Decline(si)));
    }

    [Fact]
    public async Task Every_change_reaches_each_accepted_member_in_order_and_the_invitee_only_its_invitation()
    {
        var vendor = await Partner("Vendor", PartnerType.Vendor);
        var isv = await Partner("Isv");
        var si = await Partner("Si", PartnerType.Service);
        var room = Room();
        var id = (await room.Open(isv, Acme())).Id;
        await room.Invite(isv, new InviteMember(vendor, RoomRole.Member));
        await room.Invite(isv, new InviteMember(si));
        await room.Accept(vendor);
        await room.Post(vendor, new PostMessage("Happy to help.\nWho owns it?"));
        await room.UpdateOpportunity(isv, new OpportunityUpdate(OpportunityStage.Develop, 120_000.50m, "usd", new DateOnly(2027, 3, 31), ["Platform"]));

        var siFeed = await Feed(si, id);
        var invitation = Assert.Single(siFeed);
        Assert.Equal(FeedEventTypes.RoomInvited, invitation.Type);
        Assert.Equal(isv, invitation.Partner);
        Assert.Equal("acme.com", invitation.Data!.Value.GetProperty("room").GetProperty("account").GetProperty("domain").GetString());

        await room.Accept(si);
        await room.AddTask(si, new NewRoomTask("Scope the deployment", DueDate: new DateOnly(2027, 1, 15)));

        Assert.Equal(
            [FeedEventTypes.RoomMemberChanged, FeedEventTypes.RoomMemberChanged, FeedEventTypes.RoomMemberChanged, FeedEventTypes.RoomMessage,
             FeedEventTypes.RoomOpportunityChanged, FeedEventTypes.RoomMemberChanged, FeedEventTypes.RoomTaskChanged],
            (await Feed(isv, id)).Select(e => e.Type));
        var vendorFeed = await Feed(vendor, id);
        Assert.Equal(
            [FeedEventTypes.RoomInvited, FeedEventTypes.RoomMemberChanged, FeedEventTypes.RoomMessage, FeedEventTypes.RoomOpportunityChanged,
             FeedEventTypes.RoomMemberChanged, FeedEventTypes.RoomTaskChanged],
            vendorFeed.Select(e => e.Type));
        Assert.True(vendorFeed.Zip(vendorFeed.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
        var message = vendorFeed[2].Data!.Value.GetProperty("message");
        Assert.Equal("Happy to help.\nWho owns it?", message.GetProperty("text").GetString());
        var opportunity = vendorFeed[3].Data!.Value.GetProperty("opportunity");
        Assert.Equal("develop", opportunity.GetProperty("stage").GetString());
        Assert.Equal(120_000.50m, opportunity.GetProperty("amount").GetDecimal());
        Assert.Equal("USD", opportunity.GetProperty("currency").GetString());
        Assert.Equal([FeedEventTypes.RoomInvited, FeedEventTypes.RoomMemberChanged, FeedEventTypes.RoomTaskChanged], (await Feed(si, id)).Select(e => e.Type));
    }

    [Fact]
    public async Task A_partner_changes_only_its_own_touches()
    {
        var isv = await Partner("Isv");
        var si = await Partner("Si", PartnerType.Service);
        var room = Room();
        await room.Open(isv, Acme());
        await room.Invite(isv, new InviteMember(si));
        await room.Accept(si);
        var mine = await room.RecordTouch(isv, new NewTouch(TouchKind.Sourced, Note: "First call"));
        var theirs = await room.RecordTouch(si, new NewTouch(TouchKind.Influenced, DateTimeOffset.UtcNow.AddDays(-3)));

        var problem = await Assert.ThrowsAsync<ProblemException>(() => room.UpdateTouch(si, mine.Id, new TouchUpdate(TouchKind.Transacted)));
        Assert.Equal(ProblemKind.Forbidden, problem.Kind);
        Assert.Contains("Isv", problem.Message);
        Assert.Equal(ProblemKind.Forbidden, await Refusal(() => room.RemoveTouch(si, mine.Id)));
        Assert.Equal(ProblemKind.NotFound, await Refusal(() => room.RemoveTouch(si, 999)));
        Assert.Equal(ProblemKind.Validation, await Refusal(() => room.RecordTouch(si, new NewTouch(TouchKind.Influenced, DateTimeOffset.UtcNow.AddDays(2)))));

        Assert.Equal(TouchKind.Transacted, (await room.UpdateTouch(si, theirs.Id, new TouchUpdate(TouchKind.Transacted))).Kind);
        await room.RemoveTouch(isv, mine.Id);
        var left = Assert.Single(await room.Touches(isv));
        Assert.Equal((si, TouchKind.Transacted), (left.PartnerId, left.Kind));
    }

    [Fact]
    public async Task The_opportunity_refuses_bad_amounts_currencies_and_stage_changes_after_closing()
    {
        var isv = await Partner("Isv");
        var room = Room();
        await room.Open(isv, Acme());

        var problem = await Assert.ThrowsAsync<ProblemException>(() => room.UpdateOpportunity(isv, new OpportunityUpdate(Amount: -1, Currency: "XYZ")));
        Assert.Equal(["amount", "currency"], problem.Errors!.Keys.Order());
        Assert.Contains("USD", problem.Errors["currency"][0]);
        Assert.Contains("currency", (await Assert.ThrowsAsync<ProblemException>(() => room.UpdateOpportunity(isv, new OpportunityUpdate(Amount: 10)))).Errors!.Keys);
        Assert.Contains("amount", (await Assert.ThrowsAsync<ProblemException>(() => room.UpdateOpportunity(isv, new OpportunityUpdate(Amount: 10.5m, Currency: "JPY")))).Errors!.Keys);
        Assert.Equal(ProblemKind.Conflict, await Refusal(() => room.UpdateOpportunity(isv, new OpportunityUpdate(OpportunityStage.ClosedWon))));

        await room.UpdateOpportunity(isv, new OpportunityUpdate(OpportunityStage.Negotiate, 5_000_000, "JPY"));
        Assert.Equal(OpportunityStage.Develop, (await room.UpdateOpportunity(isv, new OpportunityUpdate(OpportunityStage.Develop))).Stage);
        var closed = await room.UpdateOpportunity(isv, new OpportunityUpdate(OpportunityStage.ClosedWon));
        Assert.Equal((OpportunityStage.ClosedWon, 5_000_000m, "JPY"), (closed.Stage, closed.Amount, closed.Currency));
        Assert.True((await room.Get(isv)).Closed);

        var final = await Assert.ThrowsAsync<ProblemException>(() => room.UpdateOpportunity(isv, new OpportunityUpdate(OpportunityStage.Negotiate)));
        Assert.Equal(ProblemKind.Conflict, final.Kind);
        Assert.Contains("final", final.Message);
        Assert.Equal(ProblemKind.Conflict, await Refusal(() => room.Register(isv, new RegisterDeal(isv))));
        Assert.Contains("opportunity-changed", (await room.History(isv, 0, 100)).Select(h => h.Action));
    }

    [Fact]
    public async Task Messages_are_capped_numbered_and_paged()
    {
        var isv = await Partner("Isv");
        var room = Room();
        await room.Open(isv, Acme());
        var huge = await Assert.ThrowsAsync<ProblemException>(() => room.Post(isv, new PostMessage(new string('x', RoomLimits.MaxMessageLength + 1))));
        Assert.Contains("4000", huge.Errors!["text"][0]);
        Assert.Equal(ProblemKind.Validation, await Refusal(() => room.Post(isv, new PostMessage("bell\a"))));
        Assert.Equal(ProblemKind.Validation, await Refusal(() => room.Post(isv, new PostMessage("  "))));

        for (var i = 1; i <= 5; i++) Assert.Equal(i, (await room.Post(isv, new PostMessage($"m{i}"))).Sequence);
        Assert.Equal(RoomLimits.MaxMessageLength, (await room.Post(isv, new PostMessage(new string('y', RoomLimits.MaxMessageLength)))).Text.Length);
        Assert.Equal(["m3", "m4"], (await room.Messages(isv, 2, 2)).Select(m => m.Text));
        Assert.Equal(6, (await room.Get(isv)).Messages);
    }

    [Fact]
    public async Task A_room_opens_from_an_overlap_only_when_the_opener_may_see_it_and_only_the_opener_sees_the_reference()
    {
        var vendor = await Partner("Vendor", PartnerType.Vendor);
        var si = await Partner("Si", PartnerType.Service);
        var partnership = cluster.Grains.GetGrain<IPartnershipGrain>(PartnershipKey.For(vendor, si));
        await partnership.Propose(vendor, new ProposePartnership(si, ["co-sell"], [new SharingRule("customers", SharingLevel.Overlaps)]));
        await partnership.Accept(si, new AcceptPartnership(["co-sell"], [new SharingRule("customers", SharingLevel.Counts)]));
        var key = PartnershipKey.For(vendor, si);
        var vendorRecord = Convert.FromHexString("00112233445566778899aabbccddeeff");
        var siRecord = Convert.FromHexString("ffeeddccbbaa99887766554433221100");
        var vendorLow = PartnershipKey.Split(key).Low == vendor;
        await new MatchStore(_db).Store(key, 1, [new ReleasedMatch(vendorLow ? vendorRecord : siRecord, "customers", vendorLow ? siRecord : vendorRecord, "customers")]);

        // The vendor shares overlaps with the SI, so the SI may open from its record; the SI shares only counts with the vendor.
        Assert.Equal(ProblemKind.NotFound, await Refusal(() => Room().Open(vendor, Acme(new OverlapReference(si, "00112233445566778899aabbccddeeff")))));
        Assert.Equal(ProblemKind.NotFound, await Refusal(() => Room().Open(si, Acme(new OverlapReference(vendor, "00000000000000000000000000000000")))));
        Assert.Equal(ProblemKind.Validation, await Refusal(() => Room().Open(si, Acme(new OverlapReference(vendor, "not-hex")))));
        var stranger = await Partner("Stranger");
        Assert.Equal(ProblemKind.NotFound, await Refusal(() => Room().Open(si, Acme(new OverlapReference(stranger, "ffeeddccbbaa99887766554433221100")))));

        var room = Room();
        await room.Open(si, Acme(new OverlapReference(vendor, "FFEEDDCCBBAA99887766554433221100")));
        await room.Invite(si, new InviteMember(vendor));
        await room.Accept(vendor);
        var mine = (await room.History(si, 0, 10)).Single(h => h.Action == "account-named").Detail!;
        var theirs = (await room.History(vendor, 0, 10)).Single(h => h.Action == "account-named").Detail!;
        Assert.Contains("from an overlap", theirs);
        Assert.Contains("ffeeddccbbaa99887766554433221100", mine);
        Assert.Contains(vendor, mine);
        Assert.DoesNotContain("ffeeddccbbaa99887766554433221100", theirs);

        await partnership.Pause(vendor);
        Assert.Equal(ProblemKind.Conflict, await Refusal(() => Room().Open(si, Acme(new OverlapReference(vendor, "ffeeddccbbaa99887766554433221100")))));
    }

    [Fact]
    public async Task Owners_manage_members_and_a_room_keeps_an_owner()
    {
        var isv = await Partner("Isv");
        var si = await Partner("Si", PartnerType.Service);
        var room = Room();
        await room.Open(isv, Acme());
        Assert.Equal(ProblemKind.NotFound, await Refusal(() => room.Invite(isv, new InviteMember(Guid.NewGuid().ToString("N")))));
        Assert.Equal(ProblemKind.Validation, await Refusal(() => room.Invite(isv, new InviteMember(isv))));
        await room.Invite(isv, new InviteMember(si, RoomRole.Member));
        Assert.Equal(ProblemKind.Conflict, await Refusal(() => room.Invite(isv, new InviteMember(si))));
        await room.Decline(si);
        Assert.Equal(ProblemKind.NotFound, await Refusal(() => room.Get(si)));
        await room.Invite(isv, new InviteMember(si, RoomRole.Owner));
        await room.Accept(si);
        Assert.Equal(ProblemKind.Validation, await Refusal(() => room.AddTask(isv, new NewRoomTask("Demo", OwnerId: Guid.NewGuid().ToString("N")))));
        Assert.Equal(si, (await room.AddTask(isv, new NewRoomTask("Demo", OwnerId: si))).OwnerId);

        Assert.Equal(RoomRole.Viewer, (await room.SetRole(si, isv, RoomRole.Viewer)).Role);
        Assert.Equal(ProblemKind.Conflict, await Refusal(() => room.SetRole(si, si, RoomRole.Member)));
        Assert.Equal(["opened", "account-named", "invited", "declined", "invited", "accepted", "task-created", "role-changed"],
            (await room.History(isv, 0, 100)).Select(h => h.Action));
    }
}
