using CoSellNet.Protocol;

namespace CoSellNet.Silo.Deals;

/// <summary>A vendor's deal registration program (key: the vendor's partner id): its published rules of engagement.</summary>
public interface IVendorProgramGrain : IGrainWithStringKey
{
    /// <summary>Publishes (or replaces) the rules; only the vendor itself, and only a partner of type vendor.</summary>
    Task<VendorProgram> Publish(string by, ProgramRules rules);

    /// <summary>The published program, readable by every partner; a not-found problem before it is published.</summary>
    Task<VendorProgram> Get();
}

[GenerateSerializer, Alias("cosellnet.vendor-program.v1")]
public sealed record ProgramState
{
    [Id(0)] public bool Published { get; init; }
    [Id(1)] public int ProtectionDays { get; init; }
    [Id(2)] public PartnerType[] EligibleTypes { get; init; } = [];
    [Id(3)] public int ApprovalDeadlineDays { get; init; }
    [Id(4)] public int Version { get; init; }
    [Id(5)] public DateTimeOffset PublishedAt { get; init; }
}
