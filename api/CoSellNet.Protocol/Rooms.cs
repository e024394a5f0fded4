using System.Text.Json.Serialization;

namespace CoSellNet.Protocol;

// Opportunity rooms: one co-sell play on one account, shared by members of several partners.
//
// Feed events of a room (FeedEvent.Room is the room id, FeedEvent.Partner the partner that acted):
//   room.invited               to the invitee only: { room: RoomInvitation }
//   room.member-changed        { action: invited|accepted|declined|role-changed|left|removed, member: RoomMember }
//                              (left and removed also reach the partner that left or was removed: its last event of the room)
//   room.message               { message: RoomMessage }
//   room.task-changed          { action: created|updated, task: RoomTask }
//   room.opportunity-changed   { changed: [field names], opportunity: Opportunity }
//   room.touch                 { action: recorded|changed|removed, touch: Touch }
//   deal.registered            { registration: DealRegistration } (also to the vendor)
//   deal.decided               { registration: DealRegistration } (approved, rejected or lapsed; also to the vendor)
//   deal.protection-ended      { registration: DealRegistration } (also to the vendor)
// Room events go to every accepted member, and only to them; an invitee gets room.invited alone
// until it accepts.

/// <summary>What a member may do in a room. Owners invite and set roles; members work the deal; viewers read.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RoomRole>))]
public enum RoomRole
{
    [JsonStringEnumMemberName("owner")] Owner,
    [JsonStringEnumMemberName("member")] Member,
    [JsonStringEnumMemberName("viewer")] Viewer,
}

[JsonConverter(typeof(JsonStringEnumConverter<MemberStatus>))]
public enum MemberStatus
{
    [JsonStringEnumMemberName("invited")] Invited,
    [JsonStringEnumMemberName("accepted")] Accepted,
    [JsonStringEnumMemberName("declined")] Declined,
    /// <summary>Was a member and left; its touches stay in the room (and in the vendors' attribution).</summary>
    [JsonStringEnumMemberName("left")] Left,
    /// <summary>Removed by an owner (as a member or as an invitee), or an invitation withdrawn when the last member left.</summary>
    [JsonStringEnumMemberName("removed")] Removed,
}

/// <summary>
/// Where the opportunity stands. Open stages may move forward or back; closed-won and closed-lost
/// are final and close the room (no more opportunity changes or deal registrations).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<OpportunityStage>))]
public enum OpportunityStage
{
    [JsonStringEnumMemberName("qualify")] Qualify,
    [JsonStringEnumMemberName("develop")] Develop,
    [JsonStringEnumMemberName("propose")] Propose,
    [JsonStringEnumMemberName("negotiate")] Negotiate,
    [JsonStringEnumMemberName("closed-won")] ClosedWon,
    [JsonStringEnumMemberName("closed-lost")] ClosedLost,
}

[JsonConverter(typeof(JsonStringEnumConverter<RoomTaskStatus>))]
public enum RoomTaskStatus
{
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("done")] Done,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>How a partner took part in a deal; attribution reports sourced and influenced apart.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TouchKind>))]
public enum TouchKind
{
    [JsonStringEnumMemberName("sourced")] Sourced,
    [JsonStringEnumMemberName("influenced")] Influenced,
    [JsonStringEnumMemberName("transacted")] Transacted,
}

/// <summary>
/// A deal registration's life: pending until the vendor decides (or the approval deadline passes:
/// lapsed); approved protects the account until its protection ends (ended).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<RegistrationStatus>))]
public enum RegistrationStatus
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("approved")] Approved,
    [JsonStringEnumMemberName("rejected")] Rejected,
    /// <summary>The vendor did not decide before the approval deadline.</summary>
    [JsonStringEnumMemberName("lapsed")] Lapsed,
    /// <summary>Was approved; its protection period is over.</summary>
    [JsonStringEnumMemberName("ended")] Ended,
}

/// <summary>
/// The account a room is about, named by the partner that opened the room. Naming it is the act of
/// consent that reveals it to the members that partner invites. The domain is normalized to the
/// registrable domain (e.g. <c>https://www.eu.acme.com/</c> → <c>acme.com</c>).
/// </summary>
public sealed record RoomAccount(string Domain, string Name);

/// <summary>
/// The overlap a room is opened from: my record id (hex, as listed by GET …/psi/overlaps) in my
/// partnership with <see cref="CounterpartId"/>. Only the opener ever sees this reference.
/// </summary>
public sealed record OverlapReference(string CounterpartId, string RecordId);

/// <summary>Opens a room on an account, from an overlap I may see or for an account I name directly.</summary>
public sealed record OpenRoom(RoomAccount Account, string? Title = null, OverlapReference? FromOverlap = null, OpportunityUpdate? Opportunity = null);

public sealed record RoomMember(
    string PartnerId,
    string PartnerName,
    PartnerType PartnerType,
    RoomRole Role,
    MemberStatus Status,
    string InvitedBy,
    DateTimeOffset InvitedAt,
    DateTimeOffset? AnsweredAt);

/// <summary>
/// A room as one member sees it. An invitee that has not accepted yet sees the account, the title and
/// the members, but no <see cref="Opportunity"/> (null) and no counts.
/// </summary>
public sealed record RoomView(
    string Id,
    string Title,
    RoomAccount Account,
    string OpenedBy,
    DateTimeOffset OpenedAt,
    DateTimeOffset UpdatedAt,
    RoomMember Me,
    IReadOnlyList<RoomMember> Members,
    Opportunity? Opportunity,
    bool Closed,
    int OpenTasks,
    int Touches,
    long Messages);

/// <summary>What an invitee learns with room.invited.</summary>
public sealed record RoomInvitation(string RoomId, string Title, RoomAccount Account, RoomRole Role, string InvitedBy, string InvitedByName);

public sealed record InviteMember(string PartnerId, RoomRole Role = RoomRole.Member);

public sealed record SetMemberRole(RoomRole Role);

public sealed record PostMessage(string Text);

/// <summary>A message in a room, numbered 1, 2, 3, … per room.</summary>
public sealed record RoomMessage(long Sequence, string PartnerId, DateTimeOffset At, string Text);

/// <summary>A new task; the owner (a partner id of an accepted owner or member) defaults to me.</summary>
public sealed record NewRoomTask(string Title, string? OwnerId = null, DateOnly? DueDate = null);

/// <summary>Changes to a task; fields left null stay as they are.</summary>
public sealed record RoomTaskUpdate(string? Title = null, string? OwnerId = null, DateOnly? DueDate = null, RoomTaskStatus? Status = null);

public sealed record RoomTask(
    int Id,
    string Title,
    string OwnerId,
    DateOnly? DueDate,
    RoomTaskStatus Status,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>The room's opportunity. An amount always comes with its currency.</summary>
public sealed record Opportunity(
    OpportunityStage Stage,
    decimal? Amount,
    string? Currency,
    DateOnly? CloseDate,
    IReadOnlyList<string> Products,
    string UpdatedBy,
    DateTimeOffset UpdatedAt);

/// <summary>
/// Changes to the opportunity; fields left null stay as they are. Amount: 0 or more, with at most
/// the currency's minor digits (2 for EUR, 0 for JPY). Currency: one of <see cref="Currencies.All"/>.
/// </summary>
public sealed record OpportunityUpdate(
    OpportunityStage? Stage = null,
    decimal? Amount = null,
    string? Currency = null,
    DateOnly? CloseDate = null,
    IReadOnlyList<string>? Products = null);

/// <summary>A touch I record for my own partner; the time defaults to now.</summary>
public sealed record NewTouch(TouchKind Kind, DateTimeOffset? At = null, string? Note = null);

/// <summary>Changes to one of my touches; fields left null stay as they are.</summary>
public sealed record TouchUpdate(TouchKind? Kind = null, DateTimeOffset? At = null, string? Note = null);

/// <summary>One partner's touch on the deal. Only that partner may change or remove it.</summary>
public sealed record Touch(int Id, string PartnerId, TouchKind Kind, DateTimeOffset At, string? Note, DateTimeOffset RecordedAt);

/// <summary>
/// One entry of a room's history: who did what, when. <see cref="ByPartner"/> is empty for what the
/// node did by a rule (a registration lapsing at its approval deadline, a protection ending).
/// </summary>
public sealed record RoomChange(long Sequence, string Action, string ByPartner, DateTimeOffset At, string? Detail);

/// <summary>Registers the room's deal with a vendor's program, for my partner.</summary>
public sealed record RegisterDeal(string VendorId, string? Note = null);

/// <summary>A vendor's decision on a registration; a rejection needs a reason.</summary>
public sealed record DealDecision(string? Reason = null);

/// <summary>A deal registration, as the registering partner, the vendor and the room's members see it.</summary>
public sealed record DealRegistration(
    string Id,
    string VendorId,
    string VendorName,
    string PartnerId,
    string PartnerName,
    string RoomId,
    RoomAccount Account,
    RegistrationStatus Status,
    string? Note,
    DateTimeOffset RegisteredAt,
    DateTimeOffset DecideBy,
    int ProtectionDays,
    DateTimeOffset? DecidedAt,
    string? Reason,
    DateTimeOffset? ProtectedUntil,
    DateTimeOffset? EndedAt);

/// <summary>
/// A vendor's rules of engagement, published with PUT /programs/{vendorId}. Omitted fields take
/// their defaults. Registrations keep the protection period in force when they were made.
/// </summary>
/// <param name="ProtectionDays">How long an approved registration protects the account (1 to 365; default 90).</param>
/// <param name="EligibleTypes">Partner types that may register deals (default: every type but vendor).</param>
/// <param name="ApprovalDeadlineDays">Days the vendor has to decide (1 to 90; default 14); after that a registration lapses.</param>
public sealed record ProgramRules(int? ProtectionDays = null, IReadOnlyList<PartnerType>? EligibleTypes = null, int? ApprovalDeadlineDays = null);

/// <summary>A vendor's published program, readable by every partner.</summary>
public sealed record VendorProgram(
    string VendorId,
    string VendorName,
    int ProtectionDays,
    IReadOnlyList<PartnerType> EligibleTypes,
    int ApprovalDeadlineDays,
    int Version,
    DateTimeOffset PublishedAt);

/// <summary>Names of the rules of engagement, as deal-registration problems name them (extension <c>rule</c>).</summary>
public static class DealRules
{
    /// <summary>An approved registration protects the account for its vendor until it expires.</summary>
    public const string Protection = "protection";
    /// <summary>Only the program's eligible partner types may register.</summary>
    public const string EligibleTypes = "eligible-types";
    /// <summary>The vendor decides before the approval deadline.</summary>
    public const string ApprovalDeadline = "approval-deadline";
    /// <summary>A room has at most one live (pending or approved) registration with a vendor.</summary>
    public const string OnePerRoom = "one-per-room";
    /// <summary>A partner has at most one pending registration per account and vendor.</summary>
    public const string OnePending = "one-pending";
    /// <summary>The last member of an open room does not leave while a registration made from it is pending or approved.</summary>
    public const string LastMemberKeepsDeal = "last-member-keeps-deal";

    public const int DefaultProtectionDays = 90;
    public const int MaxProtectionDays = 365;
    public const int DefaultApprovalDeadlineDays = 14;
    public const int MaxApprovalDeadlineDays = 90;
}

/// <summary>Limits of rooms, shared by the node and its clients.</summary>
public static class RoomLimits
{
    public const int MaxMessageLength = 4000;
    public const int MaxTitleLength = 200;
    public const int MaxNoteLength = 1000;
    public const int MaxMembers = 50;
    public const int MaxTasks = 500;
    public const int MaxTouches = 1000;
    public const int MaxProducts = 50;
    public const int MaxProductLength = 100;
    /// <summary>Largest opportunity amount, in any currency.</summary>
    public const decimal MaxAmount = 1_000_000_000_000m;
}

/// <summary>The ISO 4217 currencies an opportunity may be in, with their minor digits.</summary>
public static class Currencies
{
    public static readonly IReadOnlyDictionary<string, int> MinorDigits = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["AED"] = 2, ["AUD"] = 2, ["BRL"] = 2, ["CAD"] = 2, ["CHF"] = 2, ["CNY"] = 2, ["CZK"] = 2, ["DKK"] = 2,
        ["EUR"] = 2, ["GBP"] = 2, ["HKD"] = 2, ["HUF"] = 2, ["IDR"] = 2, ["ILS"] = 2, ["INR"] = 2, ["JPY"] = 0,
        ["KRW"] = 0, ["MXN"] = 2, ["MYR"] = 2, ["NOK"] = 2, ["NZD"] = 2, ["PHP"] = 2, ["PLN"] = 2, ["SAR"] = 2,
        ["SEK"] = 2, ["SGD"] = 2, ["THB"] = 2, ["TRY"] = 2, ["TWD"] = 2, ["USD"] = 2, ["ZAR"] = 2,
        ["CLP"] = 0, ["ISK"] = 0, ["BHD"] = 3, ["JOD"] = 3, ["KWD"] = 3, ["OMR"] = 3,
    };

    public static IEnumerable<string> All => MinorDigits.Keys.Order(StringComparer.Ordinal);
}
