using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;

namespace CoSellNet.Silo.Rooms;

/// <summary>
/// Who may do what in a room. Anyone who is not a member (or declined) is told the room does not
/// exist, in the same words whether it exists or not; an invitee may look and answer; a viewer reads.
/// </summary>
public static class RoomAccess
{
    /// <summary>An accepted or invited member.</summary>
    public static MemberState Participant(RoomState room, string by) =>
        room.Exists && room.Member(by) is { Status: MemberStatus.Accepted or MemberStatus.Invited } m ? m : throw NotFound();

    /// <summary>An accepted member, any role.</summary>
    public static MemberState Reader(RoomState room, string by)
    {
        var m = Participant(room, by);
        return m.Status == MemberStatus.Accepted
            ? m
            : throw ProblemException.Forbidden("Invitation not accepted", "You are invited to this room; accept the invitation (POST /api/v1/rooms/{roomId}/accept) to take part.");
    }

    /// <summary>An accepted owner or member: viewers read only.</summary>
    public static MemberState Writer(RoomState room, string by)
    {
        var m = Reader(room, by);
        return m.Role != RoomRole.Viewer
            ? m
            : throw ProblemException.Forbidden("Viewers read only", "You are a viewer in this room: you can read everything but change nothing. An owner of the room can make you a member.");
    }

    public static MemberState Owner(RoomState room, string by)
    {
        var m = Reader(room, by);
        return m.Role == RoomRole.Owner
            ? m
            : throw ProblemException.Forbidden("Owners only", "Only an owner of the room invites partners and sets roles.");
    }

    public static ProblemException NotFound() =>
        ProblemException.NotFound("Room", "You are not a member of a room with that id. List your rooms with GET /api/v1/rooms.");
}
