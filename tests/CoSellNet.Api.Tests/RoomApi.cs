using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

/// <summary>Room and deal-registration calls as a member makes them, asserting success.</summary>
public static class RoomApi
{
    public static async Task<T> Read<T>(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} but got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, Network.Json)!;
    }

    public static async Task<RoomView> OpenRoom(this Member m, string domain = "acme.com", string name = "Acme Corp", OverlapReference? from = null) =>
        await Read<RoomView>(await m.Http.PostAsJsonAsync(Routes.Rooms, new OpenRoom(new RoomAccount(domain, name), FromOverlap: from), Network.Json), HttpStatusCode.Created);

    public static async Task<RoomMember> Invite(this Member m, string room, Member invitee, RoomRole role = RoomRole.Member) =>
        await Read<RoomMember>(await m.Http.PostAsJsonAsync(Routes.RoomPart(room, "members"), new InviteMember(invitee.Id, role), Network.Json), HttpStatusCode.Created);

    public static async Task<RoomView> Accept(this Member m, string room) =>
        await Read<RoomView>(await m.Http.PostAsync(Routes.RoomPart(room, "accept"), null));

    /// <summary>Opens a room and brings the others in as accepted members.</summary>
    public static async Task<RoomView> RoomWith(this Member owner, string domain, params Member[] members)
    {
        var room = await owner.OpenRoom(domain);
        foreach (var member in members)
        {
            await owner.Invite(room.Id, member);
            await member.Accept(room.Id);
        }
        return room;
    }

    public static async Task<VendorProgram> Publish(this Member vendor, ProgramRules rules) =>
        await Read<VendorProgram>(await vendor.Http.PutAsJsonAsync(Routes.Program(vendor.Id), rules, Network.Json));

    public static Task<HttpResponseMessage> Register(this Member m, string room, Member vendor, string? note = null) =>
        m.Http.PostAsJsonAsync(Routes.RoomPart(room, "registrations"), new RegisterDeal(vendor.Id, note), Network.Json);

    public static async Task<DealRegistration> Decide(this Member vendor, DealRegistration registration, bool approve, string? reason = null) =>
        await Read<DealRegistration>(await vendor.Http.PostAsJsonAsync(
            Routes.ProgramRegistrationDecision(vendor.Id, registration.Id, approve ? "approve" : "reject"), new DealDecision(reason), Network.Json));

    /// <summary>My feed's events about one room, in order.</summary>
    public static async Task<List<FeedEvent>> RoomFeed(this Member m, string room) =>
        [.. (await m.Http.GetFromJsonAsync<FeedPage>(Routes.Feed + "?limit=1000", Network.Json))!.Items.Where(e => e.Room == room)];

    /// <summary>Polls my feed until an event of <paramref name="type"/> about <paramref name="room"/> is there.</summary>
    public static async Task<FeedEvent> AwaitEvent(this Member m, string room, string type, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if ((await m.RoomFeed(room)).FirstOrDefault(e => e.Type == type) is { } found) return found;
            if (DateTime.UtcNow > until) throw new TimeoutException($"No {type} event for room {room} arrived in {m.Id}'s feed.");
            await Task.Delay(200);
        }
    }
}
