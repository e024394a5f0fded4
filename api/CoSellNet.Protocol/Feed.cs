using System.Text.Json;

namespace CoSellNet.Protocol;

/// <summary>
/// One event in a partner's feed. Sequence numbers start at 1 and increase by exactly 1 per partner,
/// so a client that remembers the last one it handled can ask for what it missed and notice a gap.
/// Events carry only what that partner may see.
/// </summary>
/// <param name="Sequence">Position in my feed, 1, 2, 3, …</param>
/// <param name="Type">One of <see cref="FeedEventTypes"/>.</param>
/// <param name="At">When the event happened.</param>
/// <param name="Partner">The other partner concerned (the counterpart of a partnership, the actor in a room), if any.</param>
/// <param name="Room">The opportunity room concerned, if any.</param>
/// <param name="Data">Type-specific details (see each type).</param>
public sealed record FeedEvent(long Sequence, string Type, DateTimeOffset At, string? Partner, string? Room, JsonElement? Data);

/// <summary>A page of my feed after a sequence number; <see cref="More"/> when there is more to read now.</summary>
public sealed record FeedPage(IReadOnlyList<FeedEvent> Items, long LastSequence, bool More);

/// <summary>Feed event types. Lower-case, dotted: area.what.</summary>
public static class FeedEventTypes
{
    public const string PartnershipProposed = "partnership.proposed";
    public const string PartnershipAccepted = "partnership.accepted";
    public const string PartnershipDeclined = "partnership.declined";
    public const string PartnershipPaused = "partnership.paused";
    public const string PartnershipResumed = "partnership.resumed";
    public const string PartnershipEnded = "partnership.ended";
    public const string PartnershipRotated = "partnership.rotated";
    public const string PartnershipRulesChanged = "partnership.rules-changed";
    public const string PartnershipMotionsChanged = "partnership.motions-changed";
    /// <summary>A new result was released. Data: epoch, releaseVersion, found and gone (my record ids, hex, when the counterpart shares overlaps), matrix cells.</summary>
    public const string OverlapsReleased = "overlaps.released";
    public const string RoomInvited = "room.invited";
    public const string RoomMemberChanged = "room.member-changed";
    public const string RoomMessage = "room.message";
    public const string RoomTaskChanged = "room.task-changed";
    public const string RoomOpportunityChanged = "room.opportunity-changed";
    public const string RoomTouch = "room.touch";
    public const string DealRegistered = "deal.registered";
    public const string DealDecided = "deal.decided";
    public const string DealProtectionEnded = "deal.protection-ended";
}

/// <summary>The feed hub's method names (SignalR).</summary>
public static class FeedHubMethods
{
    /// <summary>Server → client: one <see cref="FeedEvent"/>.</summary>
    public const string Event = "event";
    /// <summary>Client → server: <c>FeedPage Since(long after, int limit)</c>, the events after a sequence number, in order.</summary>
    public const string Since = "Since";
}
