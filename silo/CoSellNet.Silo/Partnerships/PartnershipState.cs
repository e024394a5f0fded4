using CoSellNet.Protocol;

namespace CoSellNet.Silo.Partnerships;

[GenerateSerializer, Alias("cosellnet.partnership.v1")]
public sealed record PartnershipState
{
    [Id(0)] public bool Exists { get; init; }
    [Id(1)] public PartnershipStatus Status { get; init; }
    [Id(2)] public int Epoch { get; init; }
    [Id(3)] public string ProposedBy { get; init; } = "";
    [Id(4)] public DateTimeOffset CreatedAt { get; init; }
    [Id(5)] public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>Each partner's side, by partner id.</summary>
    [Id(6)] public Dictionary<string, SideState> Sides { get; init; } = new(StringComparer.Ordinal);
    [Id(7)] public List<ChangeRecord> History { get; init; } = [];
    /// <summary>Whether the partnership was ever active: a re-start after that begins a new epoch.</summary>
    [Id(8)] public bool WasActive { get; init; }
}

/// <summary>What one side opts into and shares.</summary>
[GenerateSerializer, Alias("cosellnet.partnership-side.v1")]
public sealed record SideState(string[] Motions, RuleState[] Rules, bool Paused)
{
    public static readonly SideState Empty = new([], [], false);
}

[GenerateSerializer, Alias("cosellnet.sharing-rule.v1")]
public sealed record RuleState(string Population, SharingLevel Level, int MinSegmentSize)
{
    public SharingRule ToRule() => new(Population, Level, MinSegmentSize);
}

[GenerateSerializer, Alias("cosellnet.partnership-change.v1")]
public sealed record ChangeRecord(long Sequence, string Action, string ByPartner, DateTimeOffset At, string? Detail)
{
    public PartnershipChange ToChange() => new(Sequence, Action, ByPartner, At, Detail);
}
