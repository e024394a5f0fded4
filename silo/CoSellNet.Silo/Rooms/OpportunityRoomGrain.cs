using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Feed;
using CoSellNet.Silo.Partners;
using Microsoft.Extensions.Logging;

namespace CoSellNet.Silo.Rooms;

/// <summary>
/// The room's core: opening, membership, reading, and the plumbing every change goes through
/// (store, index, feed). Work on the deal is in OpportunityRoomGrain.Work.cs, deal registration in
/// OpportunityRoomGrain.Deals.cs, leaving in OpportunityRoomGrain.Leaving.cs, the history in OpportunityRoomGrain.History.cs.
/// </summary>
public sealed partial class OpportunityRoomGrain(
    [PersistentState("room", SiloHosting.StorageName)] IPersistentState<RoomState> state,
    RoomStore store,
    TimeProvider clock,
    ILogger<OpportunityRoomGrain> log) : Grain, IOpportunityRoomGrain
{
    /// <summary>The last message's sequence number, read once per activation (-1: not read yet).</summary>
    private long lastMessage = -1;

    private RoomState S => state.State;
    private string Id => this.GetPrimaryKeyString();

    public async Task<RoomView> Open(string by, OpenRoom request)
    {
        if (S.Exists) throw ProblemException.Conflict("Room exists", "A room with this id already exists; open a new room to get a new id.");
        var v = new Validator();
        var account = RoomRules.Account(request.Account, v);
        v.Text(request.Title, "title", RoomLimits.MaxTitleLength, required: false);
        v.ThrowIfInvalid();
        var source = request.FromOverlap is { } overlap ? await RoomOverlap.Check(GrainFactory, store, by, overlap) : null;
        var now = clock.GetUtcNow();
        var (opportunity, _) = RoomRules.Apply(OpportunityState.Empty with { UpdatedBy = by, UpdatedAt = now }, request.Opportunity ?? new OpportunityUpdate(), by, now);
        var opener = await GrainFactory.GetGrain<IPartnerGrain>(by).GetEntry();

        state.State = new RoomState
        {
            Exists = true,
            Title = string.IsNullOrWhiteSpace(request.Title) ? account.Name : request.Title.Trim(),
            Domain = account.Domain,
            AccountName = account.Name,
            OpenedBy = by,
            OpenedAt = now,
            UpdatedAt = now,
            Source = source,
            Members = [new MemberState(by, opener.Name, opener.Type, RoomRole.Owner, MemberStatus.Accepted, by, now, now)],
            Opportunity = opportunity,
        };
        Record("opened", by, state.State.Title);
        // Naming the account is the act of consent that reveals it to the members the opener invites.
        Record("account-named", by,
            $"{account.Name} ({account.Domain}), named {(source is null ? "directly" : "from an overlap")} by {opener.Name}: consent to reveal the account to every member invited to this room.",
            source is null ? null : $"Overlap: your record {source.RecordId} in your partnership with {source.CounterpartId} (epoch {source.Epoch}).");
        await Save(membersChanged: true);
        if (opener.Type == PartnerType.Vendor) await NotifyVendors(WebhookEventTypes.RoomOpened, by, new { action = "opened" }, [by]);
        return S.ToView(Id, S.Members[0], 0);
    }

    public async Task<RoomView> Get(string by)
    {
        var me = RoomAccess.Participant(S, by);
        return S.ToView(Id, me, me.Status == MemberStatus.Accepted ? await LastMessage() : 0);
    }

    public async Task<RoomMember> Invite(string by, InviteMember invitation)
    {
        var owner = RoomAccess.Owner(S, by);
        var v = new Validator();
        v.Require(Enum.IsDefined(invitation.Role), "role", "must be one of owner, member, viewer.");
        v.Require(invitation.PartnerId != by, "partnerId", "is you: you are already in this room.");
        v.ThrowIfInvalid();
        var partner = (invitation.PartnerId is { Length: > 0 and <= 64 } id && id.All(char.IsAsciiLetterOrDigit)
                          ? await GrainFactory.GetGrain<IPartnerGrain>(id).Find()
                          : null)
                      ?? throw ProblemException.NotFound("Partner", $"No partner with id '{Clip(invitation.PartnerId)}' exists on this network. Find partners in the directory (GET /api/v1/directory).");
        var index = S.Members.FindIndex(m => m.PartnerId == partner.Id);
        if (index >= 0 && S.Members[index].Present)
            throw ProblemException.Conflict(S.Members[index].Status == MemberStatus.Accepted ? "Already a member" : "Already invited",
                $"{partner.Name} is already {(S.Members[index].Status == MemberStatus.Accepted ? "a member of" : "invited to")} this room; change its role with PUT …/members/{partner.Id}/role.");
        if (S.Members.Count(m => m.Present) >= RoomLimits.MaxMembers)
            throw ProblemException.Conflict("Room full", $"A room has at most {RoomLimits.MaxMembers} members and invitees.");

        var now = clock.GetUtcNow();
        var member = new MemberState(partner.Id, partner.Name, partner.Type, invitation.Role, MemberStatus.Invited, by, now, null);
        if (index >= 0) S.Members[index] = member;
        else S.Members.Add(member);
        Record("invited", by, $"{partner.Name} ({partner.Id}) as {RoomRules.Name(invitation.Role)}");
        await Save(membersChanged: true);
        await Announce(FeedEventTypes.RoomInvited, by, new { room = new RoomInvitation(Id, S.Title, S.Account, invitation.Role, by, owner.Name) }, only: [partner.Id]);
        await Announce(FeedEventTypes.RoomMemberChanged, by, new { action = "invited", member = member.ToMember() });
        return member.ToMember();
    }

    public Task<RoomView> Accept(string by) => Answer(by, MemberStatus.Accepted);

    public Task<RoomView> Decline(string by) => Answer(by, MemberStatus.Declined);

    private async Task<RoomView> Answer(string by, MemberStatus answer)
    {
        var me = RoomAccess.Participant(S, by);
        if (me.Status != MemberStatus.Invited)
            throw ProblemException.Conflict("Invitation already accepted",
                answer == MemberStatus.Accepted ? "You are already a member of this room." : "You accepted the invitation to this room already; there is nothing to decline.");
        var now = clock.GetUtcNow();
        me = me with { Status = answer, AnsweredAt = now };
        S.Members[S.Members.FindIndex(m => m.PartnerId == by)] = me;
        var action = answer == MemberStatus.Accepted ? "accepted" : "declined";
        Record(action, by, null);
        await Save(membersChanged: true);
        await Announce(FeedEventTypes.RoomMemberChanged, by, new { action, member = me.ToMember() });
        // A vendor joining a room is, for that vendor, a room opened in its pipeline.
        if (answer == MemberStatus.Accepted && me.Type == PartnerType.Vendor)
            await NotifyVendors(WebhookEventTypes.RoomOpened, by, new { action = "joined" }, [by]);
        return S.ToView(Id, me, answer == MemberStatus.Accepted ? await LastMessage() : 0);
    }

    public async Task<RoomMember> SetRole(string by, string partnerId, RoomRole role)
    {
        RoomAccess.Owner(S, by);
        if (!Enum.IsDefined(role)) throw ProblemException.Invalid("role", "must be one of owner, member, viewer.");
        var index = S.Members.FindIndex(m => m.PartnerId == partnerId && m.Present);
        if (index < 0)
            throw ProblemException.NotFound("Member", $"'{Clip(partnerId)}' is not a member of or invited to this room. List members with GET /api/v1/rooms/{{roomId}}/members.");
        var target = S.Members[index];
        if (target.Role == RoomRole.Owner && role != RoomRole.Owner
            && !S.Members.Any(m => m.PartnerId != partnerId && m.Role == RoomRole.Owner && m.Status == MemberStatus.Accepted))
            throw ProblemException.Conflict("Last owner", "A room keeps at least one accepted owner: make another member an owner first.");
        if (target.Role == role) return target.ToMember();
        S.Members[index] = target = target with { Role = role };
        Record("role-changed", by, $"{target.Name} ({target.PartnerId}) is now {RoomRules.Name(role)}");
        await Save(membersChanged: true);
        await Announce(FeedEventTypes.RoomMemberChanged, by, new { action = "role-changed", member = target.ToMember() });
        return target.ToMember();
    }

    public Task<IReadOnlyList<RoomMember>> Members(string by)
    {
        RoomAccess.Reader(S, by);
        return Task.FromResult<IReadOnlyList<RoomMember>>([.. S.Members.OrderBy(m => m.PartnerId, StringComparer.Ordinal).Select(m => m.ToMember())]);
    }

    private async Task<long> LastMessage()
    {
        if (lastMessage < 0) lastMessage = await store.LastMessage(Id);
        return lastMessage;
    }

    /// <summary>Stores the room (and, when members changed, their index rows).</summary>
    private async Task Save(bool membersChanged = false)
    {
        state.State = S with { UpdatedAt = clock.GetUtcNow() };
        ForgetStoredChanges();
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The change is in memory but not stored: drop the activation so the next call reloads.
            DeactivateOnIdle();
            throw;
        }
        await StoreChanges();
        await TellPipelines();
        if (!membersChanged) return;
        try
        {
            await store.SyncMembers(Id, S.Members, S.UpdatedAt);
        }
        catch (Exception e)
        {
            // The room is stored; only its place in members' room lists waits for the next membership change.
            log.LogWarning(e, "Room {Room} is stored but its member index was not updated", Id);
        }
    }

    /// <summary>
    /// Puts an event in the feed of every accepted member (and of <paramref name="also"/>), or only
    /// of <paramref name="only"/>. A member's events are appended in the order the room made them.
    /// </summary>
    private async Task Announce(string type, string by, object data, IEnumerable<string>? also = null, IEnumerable<string>? only = null)
    {
        var recipients = (only ?? S.Accepted.Concat(also ?? [])).Distinct(StringComparer.Ordinal);
        await Task.WhenAll(recipients.Select(async recipient =>
        {
            try
            {
                await GrainFactory.Append(recipient, type, partner: by, room: Id, data: data);
            }
            catch (Exception e)
            {
                // The change is stored and in the room's history; only this notice is lost.
                log.LogWarning(e, "Could not add {Type} of room {Room} to the feed of {Partner}", type, Id, recipient);
            }
        }));
    }

    private static string Clip(string? value) => value is null ? "" : value.Length <= 64 ? value : value[..64] + "…";
}
