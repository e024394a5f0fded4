using CoSellNet.Protocol;

namespace CoSellNet.Silo.Rooms;

/// <summary>A room as its grain stores it. Messages are not here: they live in <c>room_messages</c>.</summary>
[GenerateSerializer, Alias("cosellnet.room.v1")]
public sealed record RoomState
{
    [Id(0)] public bool Exists { get; init; }
    [Id(1)] public string Title { get; init; } = "";
    /// <summary>The account's registrable domain, as named by the opener.</summary>
    [Id(2)] public string Domain { get; init; } = "";
    [Id(3)] public string AccountName { get; init; } = "";
    [Id(4)] public string OpenedBy { get; init; } = "";
    [Id(5)] public DateTimeOffset OpenedAt { get; init; }
    [Id(6)] public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>The overlap the room was opened from, if any: private to the opener.</summary>
    [Id(7)] public OverlapSourceState? Source { get; init; }
    [Id(8)] public List<MemberState> Members { get; init; } = [];
    [Id(9)] public OpportunityState Opportunity { get; init; } = OpportunityState.Empty;
    [Id(10)] public List<TaskState> Tasks { get; init; } = [];
    [Id(11)] public List<TouchState> Touches { get; init; } = [];
    /// <summary>Registrations made from this room; their state lives in the protection grain.</summary>
    [Id(12)] public List<RoomDealState> Deals { get; init; } = [];
    /// <summary>The latest history entries (at least those not yet in <c>room_history</c>); older ones are read from there.</summary>
    [Id(13)] public List<RoomChangeRecord> History { get; init; } = [];
    [Id(14)] public int LastTaskId { get; init; }
    [Id(15)] public int LastTouchId { get; init; }
    /// <summary>The last history entry's sequence (0 in rooms stored before it was kept: then the last entry in <see cref="History"/>).</summary>
    [Id(16)] public long LastChange { get; init; }
    /// <summary>History entries up to this sequence are in <c>room_history</c>, so they may leave the state.</summary>
    [Id(17)] public long ChangesStored { get; init; }

    /// <summary>How many history entries the state keeps once they are stored in <c>room_history</c>.</summary>
    public const int RecentChanges = 100;

    public long LatestChange => Math.Max(LastChange, History.Count > 0 ? History[^1].Sequence : 0);

    public bool Closed => Opportunity.Stage is OpportunityStage.ClosedWon or OpportunityStage.ClosedLost;

    public MemberState? Member(string partnerId) => Members.Find(m => m.PartnerId == partnerId);

    public IEnumerable<string> Accepted => Members.Where(m => m.Status == MemberStatus.Accepted).Select(m => m.PartnerId);

    public RoomAccount Account => new(Domain, AccountName);

    public RoomView ToView(string id, MemberState me, long messages)
    {
        var accepted = me.Status == MemberStatus.Accepted;
        return new RoomView(
            id, Title, Account, OpenedBy, OpenedAt, UpdatedAt, me.ToMember(),
            [.. Members.Where(m => m.Present || accepted).Select(m => m.ToMember())],
            accepted ? Opportunity.ToOpportunity() : null,
            Closed,
            accepted ? Tasks.Count(t => t.Status == RoomTaskStatus.Open) : 0,
            accepted ? Touches.Count : 0,
            accepted ? messages : 0);
    }
}

[GenerateSerializer, Alias("cosellnet.room-overlap-source.v1")]
public sealed record OverlapSourceState(string CounterpartId, string RecordId, int Epoch);

[GenerateSerializer, Alias("cosellnet.room-member.v1")]
public sealed record MemberState(
    string PartnerId, string Name, PartnerType Type, RoomRole Role, MemberStatus Status,
    string InvitedBy, DateTimeOffset InvitedAt, DateTimeOffset? AnsweredAt)
{
    public RoomMember ToMember() => new(PartnerId, Name, Type, Role, Status, InvitedBy, InvitedAt, AnsweredAt);

    /// <summary>In the room or invited to it; declined, left and removed partners are not.</summary>
    public bool Present => Status is MemberStatus.Accepted or MemberStatus.Invited;
}

[GenerateSerializer, Alias("cosellnet.room-opportunity.v1")]
public sealed record OpportunityState(
    OpportunityStage Stage, decimal? Amount, string? Currency, DateOnly? CloseDate, string[] Products,
    string UpdatedBy, DateTimeOffset UpdatedAt)
{
    public static readonly OpportunityState Empty = new(OpportunityStage.Qualify, null, null, null, [], "", default);

    public Opportunity ToOpportunity() => new(Stage, Amount, Currency, CloseDate, Products, UpdatedBy, UpdatedAt);
}

[GenerateSerializer, Alias("cosellnet.room-task.v1")]
public sealed record TaskState(
    int Id, string Title, string OwnerId, DateOnly? DueDate, RoomTaskStatus Status,
    string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public RoomTask ToTask() => new(Id, Title, OwnerId, DueDate, Status, CreatedBy, CreatedAt, UpdatedAt);
}

[GenerateSerializer, Alias("cosellnet.room-touch.v1")]
public sealed record TouchState(int Id, string PartnerId, TouchKind Kind, DateTimeOffset At, string? Note, DateTimeOffset RecordedAt)
{
    public Touch ToTouch() => new(Id, PartnerId, Kind, At, Note, RecordedAt);
}

[GenerateSerializer, Alias("cosellnet.room-deal.v1")]
public sealed record RoomDealState(string RegistrationId, string VendorId);

/// <summary>A history entry; <see cref="PrivateDetail"/> is shown to the partner that acted only.</summary>
[GenerateSerializer, Alias("cosellnet.room-change.v1")]
public sealed record RoomChangeRecord(long Sequence, string Action, string ByPartner, DateTimeOffset At, string? Detail, string? PrivateDetail)
{
    public RoomChange ToChange(string viewer) =>
        new(Sequence, Action, ByPartner, At, viewer == ByPartner && PrivateDetail is not null ? $"{Detail} {PrivateDetail}".Trim() : Detail);
}
