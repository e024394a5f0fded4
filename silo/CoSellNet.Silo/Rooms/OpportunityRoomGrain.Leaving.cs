using CoSellNet.Protocol;
using CoSellNet.Silo.Deals;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Pipeline;
using Microsoft.Extensions.Logging;

namespace CoSellNet.Silo.Rooms;

/// <summary>
/// Leaving a room, and an owner removing a member or invitee. The partner keeps its entry in the
/// member list (status left or removed) so that its touches stay attributed to it, by name and
/// type; it reads nothing of the room afterwards and gets none of its events.
/// </summary>
public sealed partial class OpportunityRoomGrain
{
    public async Task RemoveMember(string by, string partnerId)
    {
        var leaving = by == partnerId;
        // Leaving takes an accepted member (an invitee declines instead); removing someone else takes an owner.
        if (leaving && RoomAccess.Participant(S, by).Status == MemberStatus.Invited)
            throw ProblemException.Conflict("Invitation not accepted", "You are invited to this room, not a member of it: decline the invitation instead (POST /api/v1/rooms/{roomId}/decline).");
        if (!leaving) RoomAccess.Owner(S, by);
        var index = S.Members.FindIndex(m => m.PartnerId == partnerId && m.Present);
        if (index < 0)
            throw ProblemException.NotFound("Member", $"'{Clip(partnerId)}' is not a member of or invited to this room. List members with GET /api/v1/rooms/{{roomId}}/members.");
        var target = S.Members[index];
        var wasAccepted = target.Status == MemberStatus.Accepted;
        var remaining = S.Members.Where(m => m.PartnerId != partnerId && m.Status == MemberStatus.Accepted).ToList();
        if (wasAccepted && remaining.Count == 0)
            await CheckLastMemberMayLeave();
        else if (wasAccepted && target.Role == RoomRole.Owner && !remaining.Any(m => m.Role == RoomRole.Owner))
            throw ProblemException.Conflict("Last owner",
                "A room keeps at least one accepted owner: make another member an owner (PUT …/members/{partnerId}/role) before you leave.");

        S.Members[index] = target = target with { Status = leaving ? MemberStatus.Left : MemberStatus.Removed };
        var touches = S.Touches.Count(t => t.PartnerId == partnerId);
        var kept = touches == 0 ? "" : $"; its {touches} touch{(touches == 1 ? "" : "es")} stay{(touches == 1 ? "s" : "")} in the room";
        var withdrawn = new List<MemberState>();
        if (remaining.Count == 0)
        {
            // Nobody is left to work the room or to answer for it: open invitations lapse with it.
            for (var i = 0; i < S.Members.Count; i++)
                if (S.Members[i].Status == MemberStatus.Invited)
                    withdrawn.Add(S.Members[i] = S.Members[i] with { Status = MemberStatus.Removed });
        }
        Record(leaving ? "left" : "removed", by,
            (leaving ? $"{target.Name} ({target.PartnerId}) left the room" : $"{target.Name} ({target.PartnerId}) was removed from the room") + kept +
            (withdrawn.Count == 0 ? "" : $"; the room has no members left, so the invitations of {string.Join(", ", withdrawn.Select(m => m.Name))} are withdrawn") + ".");
        await Save(membersChanged: true);
        // The partner that went gets this last event (so its clients drop the room), then nothing more.
        await Announce(FeedEventTypes.RoomMemberChanged, by, new { action = leaving ? "left" : "removed", member = target.ToMember() }, also: [partnerId]);
        foreach (var invitee in withdrawn)
            await Announce(FeedEventTypes.RoomMemberChanged, by, new { action = "removed", member = invitee.ToMember() }, only: [invitee.PartnerId]);
        if (wasAccepted && target.Type == PartnerType.Vendor) await DropFromPipeline(target.PartnerId);
    }

    /// <summary>
    /// The last accepted member of an open room may not leave while a registration made from the room
    /// is pending or approved: the vendor would decide, or the protection would hold, for a room nobody
    /// answers for. Close the opportunity (closed-won or closed-lost) or hand the room over (invite a
    /// partner as owner, who accepts) first.
    /// </summary>
    private async Task CheckLastMemberMayLeave()
    {
        if (S.Closed || S.Deals.Count == 0) return;
        var open = (await RoomRegistrations()).Where(r => r.Status is RegistrationStatus.Pending or RegistrationStatus.Approved).ToList();
        if (open.Count == 0) return;
        var first = open[0];
        throw new ProblemException(ProblemKind.Conflict, "Last member of a room with an open deal registration",
            $"Rule '{DealRules.LastMemberKeepsDeal}': you are the last member of this room, and its registration {first.Id} with {first.VendorName} is {RoomRules.Name(first.Status)}. " +
            "Close the opportunity first (PATCH …/opportunity with stage closed-won or closed-lost), or hand the room over: invite a partner as owner and leave once it has accepted.",
            extensions: new Dictionary<string, string>
            {
                ["rule"] = DealRules.LastMemberKeepsDeal,
                ["registrationId"] = first.Id,
                ["vendorId"] = first.VendorId,
            });
    }

    /// <summary>
    /// A vendor that left no longer has the room in its pipeline: its last facts say so (removed).
    /// Sent once; if it is lost, the room stays in that pipeline as it was when the vendor left.
    /// </summary>
    private async Task DropFromPipeline(string vendor)
    {
        try
        {
            await GrainFactory.GetGrain<IPipelineGrain>(vendor).RoomChanged(FactsFor(vendor) with { Removed = true });
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Room {Room} could not take itself out of the pipeline of vendor {Vendor}, which left", Id, vendor);
        }
    }
}
