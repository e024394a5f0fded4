using System.Net;
using System.Net.Http.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

/// <summary>The foreign-partner matrix for opportunity rooms and deal registration.</summary>
public sealed partial class IsolationTests
{
    [Fact]
    public async Task A_foreign_partner_reaches_nothing_of_a_room_nor_of_its_deal_registrations()
    {
        var vendor = await network.AddPartner("Room vendor", PartnerType.Vendor);
        var isv = await network.AddPartner("Room isv", PartnerType.Technology);
        var foreign = await network.AddPartner("Room outsider", PartnerType.Service);
        await vendor.Publish(new ProgramRules());
        var room = await isv.RoomWith($"tyrell-{Guid.NewGuid():N}"[..18] + ".com", vendor);
        var task = await RoomApi.Read<RoomTask>(await isv.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "tasks"), new NewRoomTask("Plan"), Network.Json), HttpStatusCode.Created);
        var touch = await RoomApi.Read<Touch>(await isv.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "touches"), new NewTouch(TouchKind.Sourced), Network.Json), HttpStatusCode.Created);
        await RoomApi.Read<RoomMessage>(await isv.Http.PostAsJsonAsync(Routes.RoomPart(room.Id, "messages"), new PostMessage("secret plan"), Network.Json), HttpStatusCode.Created);
        var registration = await RoomApi.Read<DealRegistration>(await isv.Register(room.Id, vendor), HttpStatusCode.Created);
        var before = await isv.Http.GetStringAsync(Routes.Room(room.Id));

        // The real room, a room that does not exist and ids that cannot be rooms: all answer alike.
        var missing = Guid.NewGuid().ToString("N");
        var notFoundBodies = new List<string>();
        foreach (var id in new[] { room.Id, missing, room.Id.ToUpperInvariant(), "x" })
        {
            var calls = new (string Name, Func<Task<HttpResponseMessage>> Call)[]
            {
                ("GET room", () => foreign.Http.GetAsync(Routes.Room(id))),
                ("GET history", () => foreign.Http.GetAsync(Routes.RoomPart(id, "history"))),
                ("POST accept", () => foreign.Http.PostAsync(Routes.RoomPart(id, "accept"), null)),
                ("POST decline", () => foreign.Http.PostAsync(Routes.RoomPart(id, "decline"), null)),
                ("GET members", () => foreign.Http.GetAsync(Routes.RoomPart(id, "members"))),
                ("POST members", () => foreign.Http.PostAsJsonAsync(Routes.RoomPart(id, "members"), new InviteMember(foreign.Id), Network.Json)),
                ("PUT role", () => foreign.Http.PutAsJsonAsync(Routes.RoomMemberRole(id, isv.Id), new SetMemberRole(RoomRole.Viewer), Network.Json)),
                ("DELETE member", () => foreign.Http.DeleteAsync(Routes.RoomMember(id, vendor.Id))),
                ("DELETE myself", () => foreign.Http.DeleteAsync(Routes.RoomMember(id, foreign.Id))),
                ("GET messages", () => foreign.Http.GetAsync(Routes.RoomPart(id, "messages"))),
                ("POST messages", () => foreign.Http.PostAsJsonAsync(Routes.RoomPart(id, "messages"), new PostMessage("hi"), Network.Json)),
                ("GET tasks", () => foreign.Http.GetAsync(Routes.RoomPart(id, "tasks"))),
                ("POST tasks", () => foreign.Http.PostAsJsonAsync(Routes.RoomPart(id, "tasks"), new NewRoomTask("x"), Network.Json)),
                ("PATCH task", () => foreign.Http.PatchAsJsonAsync(Routes.RoomTask(id, task.Id), new RoomTaskUpdate(Status: RoomTaskStatus.Cancelled), Network.Json)),
                ("GET opportunity", () => foreign.Http.GetAsync(Routes.RoomPart(id, "opportunity"))),
                ("PATCH opportunity", () => foreign.Http.PatchAsJsonAsync(Routes.RoomPart(id, "opportunity"), new OpportunityUpdate(OpportunityStage.ClosedLost), Network.Json)),
                ("GET touches", () => foreign.Http.GetAsync(Routes.RoomPart(id, "touches"))),
                ("POST touches", () => foreign.Http.PostAsJsonAsync(Routes.RoomPart(id, "touches"), new NewTouch(TouchKind.Sourced), Network.Json)),
                ("PATCH touch", () => foreign.Http.PatchAsJsonAsync(Routes.RoomTouch(id, touch.Id), new TouchUpdate(TouchKind.Transacted), Network.Json)),
                ("DELETE touch", () => foreign.Http.DeleteAsync(Routes.RoomTouch(id, touch.Id))),
                ("GET registrations", () => foreign.Http.GetAsync(Routes.RoomPart(id, "registrations"))),
                ("POST registrations", () => foreign.Register(id, vendor)),
            };
            foreach (var (name, call) in calls)
            {
                var response = await call();
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{name} {id}: {(int)response.StatusCode} {body}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.DoesNotContain("secret", body);
                Assert.DoesNotContain("tyrell", body);
                if (id == room.Id || id == missing) notFoundBodies.Add((await Problem.Expect(response, HttpStatusCode.NotFound)).Detail());
            }
        }
        Assert.Single(notFoundBodies.Distinct()); // an existing room is told apart from a missing one by nothing

        // Registrations: only the vendor lists and decides, only the vendor and the registrant read one.
        await Problem.Expect(await foreign.Http.GetAsync(Routes.ProgramRegistrations(vendor.Id)), HttpStatusCode.Forbidden);
        await Problem.Expect(await foreign.Http.GetAsync(Routes.ProgramRegistration(vendor.Id, registration.Id)), HttpStatusCode.NotFound);
        await Problem.Expect(await foreign.Http.GetAsync(Routes.ProgramRegistration(foreign.Id, registration.Id)), HttpStatusCode.NotFound);
        foreach (var decision in new[] { "approve", "reject" })
        {
            await Problem.Expect(await foreign.Http.PostAsJsonAsync(Routes.ProgramRegistrationDecision(vendor.Id, registration.Id, decision), new DealDecision("no"), Network.Json), HttpStatusCode.NotFound);
            await Problem.Expect(await foreign.Http.PostAsJsonAsync(Routes.ProgramRegistrationDecision(foreign.Id, registration.Id, decision), new DealDecision("no"), Network.Json), HttpStatusCode.NotFound);
        }
        await Problem.Expect(await foreign.Http.PutAsJsonAsync(Routes.Program(vendor.Id), new ProgramRules(ProtectionDays: 1), Network.Json), HttpStatusCode.Forbidden);
        Assert.Equal(90, (await RoomApi.Read<VendorProgram>(await foreign.Http.GetAsync(Routes.Program(vendor.Id)))).ProtectionDays);

        // Lists and the feed show the outsider nothing of the room.
        Assert.DoesNotContain(room.Id, await foreign.Http.GetStringAsync(Routes.Rooms));
        Assert.DoesNotContain(registration.Id, await foreign.Http.GetStringAsync(Routes.MyRegistrations));
        Assert.DoesNotContain(vendor.Id, await foreign.Http.GetStringAsync(Routes.Programs));
        Assert.Empty(await foreign.RoomFeed(room.Id));

        // Nothing changed in the room, and the registration is still pending.
        Assert.Equal(before, await isv.Http.GetStringAsync(Routes.Room(room.Id)));
        Assert.Equal(RegistrationStatus.Pending, (await RoomApi.Read<DealRegistration>(await isv.Http.GetAsync(Routes.ProgramRegistration(vendor.Id, registration.Id)))).Status);
    }

    [Fact]
    public async Task Every_room_and_program_endpoint_refuses_a_caller_without_a_key()
    {
        // A node of its own: the shared one's budget of anonymous requests per minute belongs to the other tests.
        using var node = await NodeFactory.StartAsync("anonymous");
        var anonymous = node.ClientWith(null);
        var room = Guid.NewGuid().ToString("N");
        const string someone = "0123456789abcdef0123456789abcdef";
        var requests = new (HttpMethod Method, string Url)[]
        {
            (HttpMethod.Get, Routes.Rooms), (HttpMethod.Post, Routes.Rooms), (HttpMethod.Get, Routes.Room(room)),
            (HttpMethod.Get, Routes.RoomPart(room, "history")), (HttpMethod.Post, Routes.RoomPart(room, "accept")), (HttpMethod.Post, Routes.RoomPart(room, "decline")),
            (HttpMethod.Get, Routes.RoomPart(room, "members")), (HttpMethod.Post, Routes.RoomPart(room, "members")), (HttpMethod.Put, Routes.RoomMemberRole(room, someone)),
            (HttpMethod.Delete, Routes.RoomMember(room, someone)),
            (HttpMethod.Get, Routes.RoomPart(room, "messages")), (HttpMethod.Post, Routes.RoomPart(room, "messages")),
            (HttpMethod.Get, Routes.RoomPart(room, "tasks")), (HttpMethod.Post, Routes.RoomPart(room, "tasks")), (HttpMethod.Patch, Routes.RoomTask(room, 1)),
            (HttpMethod.Get, Routes.RoomPart(room, "opportunity")), (HttpMethod.Patch, Routes.RoomPart(room, "opportunity")),
            (HttpMethod.Get, Routes.RoomPart(room, "touches")), (HttpMethod.Post, Routes.RoomPart(room, "touches")),
            (HttpMethod.Patch, Routes.RoomTouch(room, 1)), (HttpMethod.Delete, Routes.RoomTouch(room, 1)),
            (HttpMethod.Get, Routes.RoomPart(room, "registrations")), (HttpMethod.Post, Routes.RoomPart(room, "registrations")),
            (HttpMethod.Get, Routes.Programs), (HttpMethod.Get, Routes.Program(someone)), (HttpMethod.Put, Routes.Program(someone)), (HttpMethod.Get, Routes.ProgramRegistrations(someone)),
            (HttpMethod.Get, Routes.ProgramRegistration(someone, someone)), (HttpMethod.Post, Routes.ProgramRegistrationDecision(someone, someone, "approve")),
            (HttpMethod.Post, Routes.ProgramRegistrationDecision(someone, someone, "reject")), (HttpMethod.Get, Routes.MyRegistrations),
        };
        foreach (var (method, url) in requests)
        {
            using var request = new HttpRequestMessage(method, url) { Content = method == HttpMethod.Get || method == HttpMethod.Delete ? null : JsonContent.Create(new { }) };
            var response = await anonymous.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {url}: {(int)response.StatusCode}");
        }
    }
}
