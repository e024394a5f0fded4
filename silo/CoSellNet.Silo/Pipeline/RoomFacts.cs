namespace CoSellNet.Silo.Pipeline;

/// <summary>A partner taking part in a room, with its type (vendor, reseller, referral, influence, technology, service).</summary>
[GenerateSerializer, Alias("cosellnet.pipeline.room-partner.v1")]
public sealed record RoomPartner([property: Id(0)] string PartnerId, [property: Id(1)] string Type);

/// <summary>A touch as the pipeline keeps it.</summary>
[GenerateSerializer, Alias("cosellnet.pipeline.touch.v1")]
public sealed record RoomTouch([property: Id(0)] string PartnerId, [property: Id(1)] string Kind, [property: Id(2)] DateTimeOffset At);

/// <summary>
/// What the pipeline needs to know of one room, sent by the room on every change that matters
/// (members, opportunity, touches). The latest facts replace the earlier ones, so a lost or
/// repeated notice is repaired by the next: the pipeline depends on state, not on event order.
/// </summary>
[GenerateSerializer, Alias("cosellnet.pipeline.room-facts.v1")]
public sealed record RoomFacts
{
    [Id(0)] public required string RoomId { get; init; }
    [Id(1)] public required string VendorId { get; init; }
    [Id(2)] public required DateTimeOffset OpenedAt { get; init; }
    /// <summary>qualify, develop, propose, negotiate, closed-won, closed-lost.</summary>
    [Id(3)] public required string Stage { get; init; }
    [Id(4)] public decimal Amount { get; init; }
    [Id(5)] public string Currency { get; init; } = "USD";
    /// <summary>Expected close date while open.</summary>
    [Id(6)] public DateOnly? CloseDate { get; init; }
    /// <summary>When it was closed (won or lost).</summary>
    [Id(7)] public DateTimeOffset? ClosedAt { get; init; }
    /// <summary>Accepted members other than the vendor.</summary>
    [Id(8)] public IReadOnlyList<RoomPartner> Partners { get; init; } = [];
    [Id(9)] public IReadOnlyList<RoomTouch> Touches { get; init; } = [];
    /// <summary>The room no longer counts (closed without an opportunity, or deleted).</summary>
    [Id(10)] public bool Removed { get; init; }

    public const string ClosedWon = "closed-won";
    public const string ClosedLost = "closed-lost";
    public bool IsOpen => Stage is not (ClosedWon or ClosedLost);
    /// <summary>Ecosystem pipeline: two or more partners besides the vendor take part.</summary>
    public bool IsEcosystem => Partners.Select(p => p.PartnerId).Distinct().Count() >= 2;
    /// <summary>Co-sold: some partner touched it. Direct: no partner did.</summary>
    public bool IsCoSold => Touches.Count > 0;
}
