using System.Globalization;
using System.Security.Claims;
using CoSellNet.Api.Auth;
using CoSellNet.Api.Paging;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Rooms;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoSellNet.Api.Rooms;

/// <summary>
/// Opportunity rooms. Every route names a room by id and the room's grain decides what the caller
/// may do: a non-member gets 404 whether the room exists or not, an invitee may only look and
/// answer (403 otherwise), a viewer may only read (403 on writes).
/// </summary>
public static class RoomEndpoints
{
    public static RouteGroupBuilder MapRooms(this RouteGroupBuilder api)
    {
        var rooms = api.MapGroup("/rooms").WithTags("Opportunity rooms");

        rooms.MapGet("/", async Task<Ok<Page<RoomView>>> (string? cursor, int? limit, ClaimsPrincipal user, IGrainFactory grains, RoomStore store) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var me = user.PrincipalId();
            var ids = await store.RoomsOf(me, after, size + 1);
            var page = ids.Take(size).ToList();
            var views = await Task.WhenAll(page.Select(async id =>
            {
                try { return await Grain(grains, id).Get(me); }
                catch (ProblemException p) when (p.Kind == ProblemKind.NotFound) { return null; } // the index is a step behind the room
            }));
            return TypedResults.Ok(new Page<RoomView>([.. views.OfType<RoomView>()], ids.Count > size ? Cursor.Encode(page[^1]) : null));
        })
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("List the rooms I am a member of or invited to")
        .WithDescription("Invitations show the account, title and members only, until accepted.");

        rooms.MapPost("/", async Task<Created<RoomView>> (OpenRoom request, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var id = Guid.NewGuid().ToString("N");
            var view = await grains.GetGrain<IOpportunityRoomGrain>(id).Open(user.PrincipalId(), request);
            return TypedResults.Created(Routes.Room(id), view);
        })
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Open a room on an account, as its owner")
        .WithDescription("Name the account (domain and display name): that is the act of consent that reveals it to the members you invite, and it is recorded in the room's history. " +
                         "With fromOverlap, the room is opened from one of your overlaps (your record id, as listed by …/psi/overlaps), which must be visible to you now; otherwise the account is named directly.");

        rooms.MapGet("/{roomId}", (string roomId, ClaimsPrincipal user, IGrainFactory grains) => Act(user, grains, roomId, (g, me) => g.Get(me)))
            .RequireAuthorization(Claims.Policies.Read)
            .WithSummary("One room, as I may see it");

        rooms.MapGet("/{roomId}/history", async Task<Ok<Page<RoomChange>>> (string roomId, string? cursor, long? before, int? limit, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var grain = Grain(grains, roomId);
            if (Before(before, cursor) is { } end)
                return TypedResults.Ok(new Page<RoomChange>(await grain.HistoryBefore(user.PrincipalId(), end, size), null));
            var changes = await grain.History(user.PrincipalId(), Sequence(after), size + 1);
            return TypedResults.Ok(Cursor.Of([.. changes], c => c.Sequence.ToString(CultureInfo.InvariantCulture), size));
        })
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("Every change to the room: who, what and when, oldest first")
        .WithDescription(BeforeDescription);

        rooms.MapPost("/{roomId}/accept", (string roomId, ClaimsPrincipal user, IGrainFactory grains) => Act(user, grains, roomId, (g, me) => g.Accept(me)))
            .RequireAuthorization(Claims.Policies.Write)
            .WithSummary("Accept my invitation to a room");

        rooms.MapPost("/{roomId}/decline", (string roomId, ClaimsPrincipal user, IGrainFactory grains) => Act(user, grains, roomId, (g, me) => g.Decline(me)))
            .RequireAuthorization(Claims.Policies.Write)
            .WithSummary("Decline my invitation to a room");

        rooms.MapGet("/{roomId}/members", async Task<Ok<Page<RoomMember>>> (string roomId, string? cursor, int? limit, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var members = await Grain(grains, roomId).Members(user.PrincipalId());
            return TypedResults.Ok(Cursor.Page(members, m => m.PartnerId, after, size));
        })
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("The room's members and invitees, with roles");

        rooms.MapPost("/{roomId}/members", async Task<Created<RoomMember>> (string roomId, InviteMember invitation, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var member = await Grain(grains, roomId).Invite(user.PrincipalId(), invitation);
            return TypedResults.Created(Routes.RoomPart(roomId, "members"), member);
        })
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Invite a partner of any type as owner, member or viewer (owners only)")
        .WithDescription("The invitee learns the account and the room's title from its room.invited event, and sees the rest once it accepts.");

        rooms.MapPut("/{roomId}/members/{partnerId}/role", (string roomId, string partnerId, SetMemberRole body, ClaimsPrincipal user, IGrainFactory grains) =>
            Act(user, grains, roomId, (g, me) => g.SetRole(me, partnerId, body.Role)))
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Set a member's role (owners only; a room keeps at least one owner)");

        rooms.MapDelete("/{roomId}/members/{partnerId}", async Task<NoContent> (string roomId, string partnerId, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            await Grain(grains, roomId).RemoveMember(user.PrincipalId(), partnerId);
            return TypedResults.NoContent();
        })
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Leave the room (my own partner id), or remove a member or invitee (owners only)")
        .WithDescription("The partner that goes reads nothing of the room afterwards and gets no more of its events (room.member-changed with action left or removed is its last); " +
                         "its touches stay in the room and in the vendors' attribution, and the history records who went, when and by whom. " +
                         "Refused with 409 for the last owner while other members stay (make another an owner first), and for the last member of an open room " +
                         $"with a pending or approved deal registration (rule '{DealRules.LastMemberKeepsDeal}': close the opportunity or hand the room over first).");

        rooms.MapGet("/{roomId}/messages", async Task<Ok<Page<RoomMessage>>> (string roomId, string? cursor, long? before, int? limit, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var grain = Grain(grains, roomId);
            if (Before(before, cursor) is { } end)
                return TypedResults.Ok(new Page<RoomMessage>(await grain.MessagesBefore(user.PrincipalId(), end, size), null));
            var messages = await grain.Messages(user.PrincipalId(), Sequence(after), size + 1);
            return TypedResults.Ok(Cursor.Of([.. messages], m => m.Sequence.ToString(CultureInfo.InvariantCulture), size));
        })
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("The room's messages, oldest first")
        .WithDescription(BeforeDescription);

        rooms.MapPost("/{roomId}/messages", async Task<Created<RoomMessage>> (string roomId, PostMessage message, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var posted = await Grain(grains, roomId).Post(user.PrincipalId(), message);
            return TypedResults.Created(Routes.RoomPart(roomId, "messages"), posted);
        })
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Post a message (at most 4,000 characters)");

        rooms.MapGet("/{roomId}/tasks", async Task<Ok<Page<RoomTask>>> (string roomId, string? cursor, int? limit, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var tasks = await Grain(grains, roomId).Tasks(user.PrincipalId());
            return TypedResults.Ok(Cursor.Page(tasks, t => Key(t.Id), after, size));
        })
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("The room's tasks");

        rooms.MapPost("/{roomId}/tasks", async Task<Created<RoomTask>> (string roomId, NewRoomTask task, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var created = await Grain(grains, roomId).AddTask(user.PrincipalId(), task);
            return TypedResults.Created(Routes.RoomTask(roomId, created.Id), created);
        })
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Add a task with an owner (an accepted owner or member) and a due date");

        rooms.MapPatch("/{roomId}/tasks/{taskId:int}", (string roomId, int taskId, RoomTaskUpdate update, ClaimsPrincipal user, IGrainFactory grains) =>
            Act(user, grains, roomId, (g, me) => g.UpdateTask(me, taskId, update)))
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Change a task: title, owner, due date, status (open, done, cancelled)");

        rooms.MapGet("/{roomId}/opportunity", (string roomId, ClaimsPrincipal user, IGrainFactory grains) => Act(user, grains, roomId, (g, me) => g.GetOpportunity(me)))
            .RequireAuthorization(Claims.Policies.Read)
            .WithSummary("The room's opportunity");

        rooms.MapPatch("/{roomId}/opportunity", (string roomId, OpportunityUpdate update, ClaimsPrincipal user, IGrainFactory grains) =>
            Act(user, grains, roomId, (g, me) => g.UpdateOpportunity(me, update)))
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Change the opportunity: stage, amount and currency, close date, products")
        .WithDescription("Open stages (qualify, develop, propose, negotiate) may move either way; closed-won (which needs an amount) and closed-lost are final and close the room. " +
                         "Amounts are 0 or more with at most the currency's minor digits; currencies are ISO 4217 codes from the node's list.");

        rooms.MapGet("/{roomId}/touches", async Task<Ok<Page<Touch>>> (string roomId, string? cursor, int? limit, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var touches = await Grain(grains, roomId).Touches(user.PrincipalId());
            return TypedResults.Ok(Cursor.Page(touches, t => Key(t.Id), after, size));
        })
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("Every partner's touches on the deal");

        rooms.MapPost("/{roomId}/touches", async Task<Created<Touch>> (string roomId, NewTouch touch, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var recorded = await Grain(grains, roomId).RecordTouch(user.PrincipalId(), touch);
            return TypedResults.Created(Routes.RoomTouch(roomId, recorded.Id), recorded);
        })
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Record a touch of my own partner: sourced, influenced or transacted, with time and note");

        rooms.MapPatch("/{roomId}/touches/{touchId:int}", (string roomId, int touchId, TouchUpdate update, ClaimsPrincipal user, IGrainFactory grains) =>
            Act(user, grains, roomId, (g, me) => g.UpdateTouch(me, touchId, update)))
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Change one of my own touches");

        rooms.MapDelete("/{roomId}/touches/{touchId:int}", async Task<NoContent> (string roomId, int touchId, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            await Grain(grains, roomId).RemoveTouch(user.PrincipalId(), touchId);
            return TypedResults.NoContent();
        })
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Remove one of my own touches");

        rooms.MapGet("/{roomId}/registrations", async Task<Ok<Page<DealRegistration>>> (string roomId, string? cursor, int? limit, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var registrations = await Grain(grains, roomId).Registrations(user.PrincipalId());
            static string Key(DealRegistration r) => $"{r.RegisteredAt.UtcTicks:D20}{r.Id}";
            return TypedResults.Ok(Cursor.Page(registrations.OrderBy(Key, StringComparer.Ordinal), Key, after, size));
        })
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("The deal registrations made from this room, oldest first");

        rooms.MapPost("/{roomId}/registrations", async Task<Created<DealRegistration>> (string roomId, RegisterDeal request, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var registration = await Grain(grains, roomId).Register(user.PrincipalId(), request);
            return TypedResults.Created(Routes.ProgramRegistration(registration.VendorId, registration.Id), registration);
        })
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Register the room's deal with a vendor's program, for my partner")
        .WithDescription("Refused with 409 while an approved registration protects the account for that vendor (the problem names the rule, the protected partner and the expiry), " +
                         "when the room already has a pending or approved registration with the vendor, or when the room is closed; with 403 when my partner type is not eligible.");

        return api;
    }

    private static async Task<Ok<T>> Act<T>(ClaimsPrincipal user, IGrainFactory grains, string roomId, Func<IOpportunityRoomGrain, string, Task<T>> call) =>
        TypedResults.Ok(await call(Grain(grains, roomId), user.PrincipalId()));

    /// <summary>A room's grain; an id that cannot be a room id is not found, like any room the caller is not in.</summary>
    internal static IOpportunityRoomGrain Grain(IGrainFactory grains, string roomId) =>
        roomId.Length == 32 && roomId.All(char.IsAsciiHexDigitLower)
            ? grains.GetGrain<IOpportunityRoomGrain>(roomId)
            : throw RoomAccess.NotFound();

    private const string BeforeDescription =
        "Forward from the start, or from nextCursor (a client that reconnects passes the cursor it last had, or ?cursor= is left out to read from the start). " +
        "Backward with ?before=<sequence>: the `limit` entries just before that sequence, oldest first, without nextCursor; go further back with before = the first item's sequence " +
        "(sequences start at 1). Any number past the last, e.g. before=9223372036854775807, gives the latest.";

    /// <summary>The <c>before</c> sequence, if given; refused with a cursor (a page goes one way) or below 1.</summary>
    private static long? Before(long? before, string? cursor)
    {
        if (before is null) return null;
        var v = new Validator();
        v.Require(before >= 1, "before", "must be a sequence number, 1 or more.");
        v.Require(string.IsNullOrEmpty(cursor), "before", "goes backward and cursor forward: give one of them.");
        v.ThrowIfInvalid();
        return before;
    }

    private static long Sequence(string? after) =>
        after is null ? 0
        : long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : throw ProblemException.Invalid("cursor", "is not a cursor this node issued; pass nextCursor from the previous page unchanged.");

    /// <summary>Task and touch ids as page keys that sort like the numbers.</summary>
    private static string Key(int id) => id.ToString("D10", CultureInfo.InvariantCulture);
}
