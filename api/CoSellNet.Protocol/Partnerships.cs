namespace CoSellNet.Protocol;

/// <summary>
/// What one side shares of one of its own populations with the other side.
/// Counts below <see cref="MinSegmentSize"/> are shown as "fewer than N".
/// </summary>
public sealed record SharingRule(string Population, SharingLevel Level, int MinSegmentSize = 0);

public sealed record ProposePartnership(
    string CounterpartId,
    IReadOnlyList<string>? Motions = null,
    IReadOnlyList<SharingRule>? Rules = null);

/// <summary>The acceptor's own motions and rules, set as it accepts.</summary>
public sealed record AcceptPartnership(IReadOnlyList<string>? Motions = null, IReadOnlyList<SharingRule>? Rules = null);

public sealed record SetMotions(IReadOnlyList<string> Motions);

public sealed record SetRules(IReadOnlyList<SharingRule> Rules);

/// <summary>One side of a partnership: its motions and the rules for what it shares.</summary>
public sealed record PartnershipSide(string PartnerId, string PartnerName, IReadOnlyList<string> Motions, IReadOnlyList<SharingRule> Rules, bool Paused);

/// <summary>A partnership as one of its two partners sees it.</summary>
public sealed record PartnershipView(
    string Id,
    PartnershipStatus Status,
    int Epoch,
    string ProposedBy,
    PartnershipSide Mine,
    PartnershipSide Theirs,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>One entry in a partnership's history: who did what, when.</summary>
public sealed record PartnershipChange(long Sequence, string Action, string ByPartner, DateTimeOffset At, string? Detail);
