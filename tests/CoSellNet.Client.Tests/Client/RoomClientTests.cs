using System.Net;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Protocol;
using static CoSellNet.Client.Tests.Support.RoomSamples;

namespace CoSellNet.Client.Tests.Client;

/// <summary>The rooms and programs methods of the client: routes, request bodies, paging walkers, retries and refusals.</summary>
public sealed class RoomClientTests
{
    private static readonly HttpMethod Patch = HttpMethod.Patch;

    private static async Task<List<T>> All<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items) list.Add(item);
        return list;
    }

    [Fact]
    public async Task Every_list_walks_its_pages_by_cursor_at_the_largest_page_size()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, new Page<RoomView>([Room()], "r1"))
            .Json(HttpStatusCode.OK, new Page<RoomView>([Room(Si)], null))
            .Json(HttpStatusCode.OK, new Page<RoomChange>([Change(1, Isv, "opened"), Change(2, "", "deal-lapsed")], null))
            .Json(HttpStatusCode.OK, new Page<RoomMember>([Member(Isv), Member(Si)], null))
            .Json(HttpStatusCode.OK, new Page<RoomMessage>([Message(1, Isv, "hi")], "m1"))
            .Json(HttpStatusCode.OK, new Page<RoomMessage>([Message(2, Si, "hello")], null))
            .Json(HttpStatusCode.OK, new Page<RoomTask>([RoomSamples.Task()], null))
            .Json(HttpStatusCode.OK, new Page<Touch>([Touch(1), Touch(2, Si, TouchKind.Influenced)], null))
            .Json(HttpStatusCode.OK, new Page<DealRegistration>([Registration()], null));
        using var client = node.Client();

        var rooms = await All(client.ListAllRoomsAsync());
        var history = await All(client.ListAllRoomHistoryAsync(RoomId));
        var members = await All(client.ListAllRoomMembersAsync(RoomId));
        var messages = await All(client.ListAllRoomMessagesAsync(RoomId));
        var tasks = await All(client.ListAllRoomTasksAsync(RoomId));
        var touches = await All(client.ListAllTouchesAsync(RoomId));
        var registrations = await All(client.ListAllRoomRegistrationsAsync(RoomId));

        var r = $"/api/v1/rooms/{RoomId}";
        Assert.Equal(
        [
            "/api/v1/rooms?limit=500", "/api/v1/rooms?cursor=r1&limit=500", $"{r}/history?limit=500", $"{r}/members?limit=500",
            $"{r}/messages?limit=500", $"{r}/messages?cursor=m1&limit=500", $"{r}/tasks?limit=500", $"{r}/touches?limit=500", $"{r}/registrations?limit=500",
        ], node.Received.Select(x => x.PathAndQuery));
        Assert.All(node.Received, x => Assert.Equal(HttpMethod.Get, x.Method));
        Assert.Equal([MemberStatus.Accepted, MemberStatus.Accepted], rooms.Select(x => x.Me.Status));
        Assert.Equal(OpportunityStage.Propose, rooms[0].Opportunity!.Stage);
        Assert.Equal(["opened", "deal-lapsed"], history.Select(h => h.Action));
        Assert.Equal("", history[1].ByPartner);
        Assert.Equal([PartnerType.Technology, PartnerType.Service], members.Select(m => m.PartnerType));
        Assert.Equal([1L, 2L], messages.Select(m => m.Sequence));
        Assert.Equal(new DateOnly(2026, 3, 20), Assert.Single(tasks).DueDate);
        Assert.Equal([TouchKind.Sourced, TouchKind.Influenced], touches.Select(t => t.Kind));
        Assert.Equal(RegistrationStatus.Pending, Assert.Single(registrations).Status);
    }

    [Fact]
    public async Task One_page_takes_its_cursor_and_limit_and_ids_are_escaped()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, new Page<RoomMessage>([], null)).Json(HttpStatusCode.OK, Room());
        using var client = node.Client();

        await client.ListRoomMessagesAsync(RoomId, "abc", 20);
        await client.GetRoomAsync("a/b");

        Assert.Equal([$"/api/v1/rooms/{RoomId}/messages?cursor=abc&limit=20", "/api/v1/rooms/a%2Fb"], node.Received.Select(x => x.PathAndQuery));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ListRoomsAsync(limit: 501));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetRoomAsync(" "));
        Assert.Throws<ArgumentException>(() => client.ListAllTouchesAsync(""));
    }

    [Fact]
    public async Task Messages_and_history_read_backward_from_a_sequence_or_the_latest()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, new Page<RoomMessage>([Message(7, Isv, "Latest")], null))
            .Json(HttpStatusCode.OK, new Page<RoomChange>([], null));
        using var client = node.Client();

        var latest = await client.ListRoomMessagesBeforeAsync(RoomId, limit: 1);
        await client.ListRoomHistoryBeforeAsync(RoomId, 40, 20);

        Assert.Equal([$"/api/v1/rooms/{RoomId}/messages?before={long.MaxValue}&limit=1", $"/api/v1/rooms/{RoomId}/history?before=40&limit=20"],
            node.Received.Select(x => x.PathAndQuery));
        Assert.Equal(7, latest.Items.Single().Sequence);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ListRoomMessagesBeforeAsync(RoomId, 0));
    }

    [Fact]
    public async Task Opening_a_room_sends_the_account_the_overlap_and_the_opportunity()
    {
        var node = new StubNode().Json(HttpStatusCode.Created, Room());
        using var client = node.Client();

        var room = await client.OpenRoomAsync(new OpenRoom(Account, "Northwind data platform", new OverlapReference(Si, "00112233445566778899aabbccddeeff"),
            new OpportunityUpdate(OpportunityStage.Develop, 120_000.50m, "USD", new DateOnly(2026, 6, 30), ["Ivy Insight"])));

        var post = Assert.Single(node.Received);
        Assert.Equal((HttpMethod.Post, "/api/v1/rooms"), (post.Method, post.PathAndQuery));
        Assert.Equal("application/json; charset=utf-8", post.ContentType);
        Assert.Equal(
            $$$"""{"account":{"domain":"northwind.com","name":"Northwind Traders"},"title":"Northwind data platform","fromOverlap":{"counterpartId":"{{{Si}}}","recordId":"00112233445566778899aabbccddeeff"},"opportunity":{"stage":"develop","amount":120000.50,"currency":"USD","closeDate":"2026-06-30","products":["Ivy Insight"]}}""",
            post.Body);
        Assert.Equal(RoomId, room.Id);
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.OpenRoomAsync(new OpenRoom(null!)));
    }

    [Fact]
    public async Task Members_are_invited_answered_and_given_roles()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.Created, Member(Si, RoomRole.Viewer, MemberStatus.Invited))
            .Json(HttpStatusCode.OK, Room(Si))
            .Json(HttpStatusCode.OK, Room(Si, MemberStatus.Declined))
            .Json(HttpStatusCode.OK, Member(Si, RoomRole.Owner));
        using var client = node.Client();

        var invited = await client.InviteToRoomAsync(RoomId, new InviteMember(Si, RoomRole.Viewer));
        await client.AcceptRoomAsync(RoomId);
        await client.DeclineRoomAsync(RoomId);
        var owner = await client.SetRoomMemberRoleAsync(RoomId, Si, RoomRole.Owner);

        var r = $"/api/v1/rooms/{RoomId}";
        Assert.Equal(
            [(HttpMethod.Post, $"{r}/members", $$"""{"partnerId":"{{Si}}","role":"viewer"}"""), (HttpMethod.Post, $"{r}/accept", null), (HttpMethod.Post, $"{r}/decline", null),
             (HttpMethod.Put, $"{r}/members/{Si}/role", """{"role":"owner"}""")],
            node.Received.Select(x => (x.Method, x.PathAndQuery, x.Body)));
        Assert.Equal(MemberStatus.Invited, invited.Status);
        Assert.Equal(RoomRole.Owner, owner.Role);
    }

    [Fact]
    public async Task Messages_tasks_opportunity_touches_and_registrations_have_their_methods_and_bodies()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.Created, Message(8, Isv, "Kick-off Tuesday?"))
            .Json(HttpStatusCode.Created, RoomSamples.Task())
            .Json(HttpStatusCode.OK, RoomSamples.Task(1, RoomTaskStatus.Done))
            .Json(HttpStatusCode.OK, Opportunity())
            .Json(HttpStatusCode.OK, Opportunity(OpportunityStage.Negotiate))
            .Json(HttpStatusCode.Created, Touch())
            .Json(HttpStatusCode.OK, Touch(1, Isv, TouchKind.Influenced))
            .Answer(_ => new HttpResponseMessage(HttpStatusCode.NoContent))
            .Json(HttpStatusCode.Created, Registration())
            .Answer(_ => new HttpResponseMessage(HttpStatusCode.NoContent));
        using var client = node.Client();

        await client.PostRoomMessageAsync(RoomId, "Kick-off Tuesday?");
        await client.AddRoomTaskAsync(RoomId, new NewRoomTask("Security review", Si, new DateOnly(2026, 3, 20)));
        var done = await client.UpdateRoomTaskAsync(RoomId, 1, new RoomTaskUpdate(Status: RoomTaskStatus.Done));
        await client.GetOpportunityAsync(RoomId);
        var negotiate = await client.UpdateOpportunityAsync(RoomId, new OpportunityUpdate(Stage: OpportunityStage.Negotiate));
        await client.RecordTouchAsync(RoomId, new NewTouch(TouchKind.Sourced, new DateTimeOffset(2026, 3, 1, 14, 30, 0, TimeSpan.FromHours(1)), "Intro call"));
        await client.UpdateTouchAsync(RoomId, 1, new TouchUpdate(Kind: TouchKind.Influenced));
        await client.RemoveTouchAsync(RoomId, 1);
        var registration = await client.RegisterDealAsync(RoomId, new RegisterDeal(Vendor, "Sourced by Ivy"));
        await client.RemoveRoomMemberAsync(RoomId, Si);

        var r = $"/api/v1/rooms/{RoomId}";
        Assert.Equal(
        [
            (HttpMethod.Post, $"{r}/messages", """{"text":"Kick-off Tuesday?"}"""),
            (HttpMethod.Post, $"{r}/tasks", $$"""{"title":"Security review","ownerId":"{{Si}}","dueDate":"2026-03-20"}"""),
            (Patch, $"{r}/tasks/1", """{"title":null,"ownerId":null,"dueDate":null,"status":"done"}"""),
            (HttpMethod.Get, $"{r}/opportunity", null),
            (Patch, $"{r}/opportunity", """{"stage":"negotiate","amount":null,"currency":null,"closeDate":null,"products":null}"""),
            (HttpMethod.Post, $"{r}/touches", """{"kind":"sourced","at":"2026-03-01T14:30:00+01:00","note":"Intro call"}"""),
            (Patch, $"{r}/touches/1", """{"kind":"influenced","at":null,"note":null}"""),
            (HttpMethod.Delete, $"{r}/touches/1", null),
            (HttpMethod.Post, $"{r}/registrations", $$"""{"vendorId":"{{Vendor}}","note":"Sourced by Ivy"}"""),
            (HttpMethod.Delete, $"{r}/members/{Si}", null),
        ], node.Received.Select(x => (x.Method, x.PathAndQuery, x.Body)));
        Assert.Equal(RoomTaskStatus.Done, done.Status);
        Assert.Equal(OpportunityStage.Negotiate, negotiate.Stage);
        Assert.Equal(RegistrationStatus.Pending, registration.Status);
    }

    [Fact]
    public async Task Arguments_are_checked_before_anything_is_sent()
    {
        var node = new StubNode();
        using var client = node.Client();

        await Assert.ThrowsAsync<ArgumentException>(() => client.PostRoomMessageAsync(RoomId, " "));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.UpdateRoomTaskAsync(RoomId, 0, new RoomTaskUpdate()));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.RemoveTouchAsync(RoomId, -1));
        await Assert.ThrowsAsync<ArgumentException>(() => client.InviteToRoomAsync(RoomId, new InviteMember("")));
        await Assert.ThrowsAsync<ArgumentException>(() => client.RegisterDealAsync(RoomId, new RegisterDeal(" ")));
        await Assert.ThrowsAsync<ArgumentException>(() => client.RejectRegistrationAsync(Vendor, RegistrationId, ""));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SetRoomMemberRoleAsync(RoomId, "", RoomRole.Viewer));
        await Assert.ThrowsAsync<ArgumentException>(() => client.RemoveRoomMemberAsync(RoomId, " "));

        Assert.Empty(node.Received);
    }

    [Fact]
    public async Task Programs_their_registrations_and_decisions()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Program())
            .Json(HttpStatusCode.OK, Program(30, 2))
            .Json(HttpStatusCode.OK, new Page<DealRegistration>([Registration()], "p1"))
            .Json(HttpStatusCode.OK, new Page<DealRegistration>([Registration(id: "dea1000000000000000000000000b002")], null))
            .Json(HttpStatusCode.OK, Registration())
            .Json(HttpStatusCode.OK, Registration(RegistrationStatus.Approved))
            .Json(HttpStatusCode.OK, Registration(RegistrationStatus.Rejected))
            .Json(HttpStatusCode.OK, new Page<DealRegistration>([Registration(RegistrationStatus.Approved)], null))
            .Json(HttpStatusCode.OK, new Page<DealRegistration>([], null));
        using var client = node.Client();

        var program = await client.GetProgramAsync(Vendor);
        var published = await client.PublishProgramAsync(Vendor, new ProgramRules(30, [PartnerType.Technology, PartnerType.Service]));
        var pending = await All(client.ListAllProgramRegistrationsAsync(Vendor, RegistrationStatus.Pending));
        await client.GetProgramRegistrationAsync(Vendor, RegistrationId);
        var approved = await client.ApproveRegistrationAsync(Vendor, RegistrationId);
        var rejected = await client.RejectRegistrationAsync(Vendor, RegistrationId, "Already in our direct pipeline");
        var mine = await All(client.ListAllMyRegistrationsAsync(RegistrationStatus.Approved));
        await client.ListMyRegistrationsAsync(limit: 5);

        var p = $"/api/v1/programs/{Vendor}";
        Assert.Equal(
        [
            (HttpMethod.Get, p, null),
            (HttpMethod.Put, p, """{"protectionDays":30,"eligibleTypes":["technology","service"],"approvalDeadlineDays":null}"""),
            (HttpMethod.Get, $"{p}/registrations?status=pending&limit=500", null),
            (HttpMethod.Get, $"{p}/registrations?status=pending&cursor=p1&limit=500", null),
            (HttpMethod.Get, $"{p}/registrations/{RegistrationId}", null),
            (HttpMethod.Post, $"{p}/registrations/{RegistrationId}/approve", """{"reason":null}"""),
            (HttpMethod.Post, $"{p}/registrations/{RegistrationId}/reject", """{"reason":"Already in our direct pipeline"}"""),
            (HttpMethod.Get, "/api/v1/registrations?status=approved&limit=500", null),
            (HttpMethod.Get, "/api/v1/registrations?limit=5", null),
        ], node.Received.Select(x => (x.Method, x.PathAndQuery, x.Body)));
        Assert.Equal(90, program.ProtectionDays);
        Assert.Equal(2, published.Version);
        Assert.Equal(2, pending.Count);
        Assert.Equal(RoomSamples.At.AddDays(92), approved.ProtectedUntil);
        Assert.Equal("Already in our direct pipeline", rejected.Reason);
        Assert.Single(mine);
    }

    [Fact]
    public async Task Reads_puts_and_deletes_are_retried_but_posts_and_patches_are_not()
    {
        var node = new StubNode()
            .Problem(503, "Unavailable", "The silo is starting.")
            .Json(HttpStatusCode.OK, Room())
            .Problem(500, "Unexpected error", "Retry later.")
            .Json(HttpStatusCode.OK, Program());
        using var client = node.Client();
        await client.GetRoomAsync(RoomId);
        await client.PublishProgramAsync(Vendor, new ProgramRules(30));
        Assert.Equal(4, node.Received.Count);
        Assert.Equal(node.Received[2].Body, node.Received[3].Body);

        var deletes = new StubNode().Problem(503, "Unavailable", "Busy.").Answer(_ => new HttpResponseMessage(HttpStatusCode.NoContent));
        using (var c = deletes.Client()) await c.RemoveTouchAsync(RoomId, 3);
        Assert.Equal(2, deletes.Received.Count);

        // Each of these changes the room once more if repeated (a message, a task, a touch), or may meet another member's change in between.
        foreach (var call in new Func<CoSellNetClient, Task>[]
                 {
                     c => c.PostRoomMessageAsync(RoomId, "hi"),
                     c => c.AddRoomTaskAsync(RoomId, new NewRoomTask("x")),
                     c => c.RecordTouchAsync(RoomId, new NewTouch(TouchKind.Sourced)),
                     c => c.UpdateOpportunityAsync(RoomId, new OpportunityUpdate(Amount: 5m)),
                     c => c.UpdateRoomTaskAsync(RoomId, 1, new RoomTaskUpdate(Status: RoomTaskStatus.Done)),
                     c => c.RegisterDealAsync(RoomId, new RegisterDeal(Vendor)),
                     c => c.ApproveRegistrationAsync(Vendor, RegistrationId),
                     c => c.OpenRoomAsync(new OpenRoom(Account)),
                 })
        {
            var once = new StubNode().Problem(500, "Unexpected error", "The node failed.").Json(HttpStatusCode.OK, Room());
            using var c = once.Client();
            var e = await Assert.ThrowsAsync<CoSellNetApiException>(() => call(c));
            Assert.Equal(500, e.Status);
            Assert.Single(once.Received);
        }
    }

    [Fact]
    public async Task A_refused_registration_carries_the_rule_the_protected_partner_and_the_expiry()
    {
        var node = new StubNode().Problem(409, "Account protected by an approved deal registration", ProtectedDetail,
            $",\"rule\":\"protection\",\"protectedPartnerId\":\"{Isv}\",\"protectedPartnerName\":\"Ivy Analytics\",\"protectedUntil\":\"2026-06-02T09:00:00.0000000+00:00\"");
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetApiException>(() => client.RegisterDealAsync(RoomId, new RegisterDeal(Vendor)));

        Assert.Equal(409, e.Status);
        Assert.Equal("Account protected by an approved deal registration", e.Title);
        Assert.Contains("Rule 'protection'", e.Detail);
        Assert.Contains("Ivy Analytics", e.Detail);
        Assert.Contains("until 2026-06-02 09:00 UTC", e.Detail);
        Assert.Equal(("POST", $"/api/v1/rooms/{RoomId}/registrations"), (e.Method, e.Path));
    }
}
