using CoSellNet.Protocol;

namespace CoSellNet.Silo.Partners;

/// <summary>A partner's profile as the grain stores it. Public keys are public; no secret is ever here.</summary>
[GenerateSerializer, Alias("cosellnet.partner.v1")]
public sealed record PartnerState
{
    [Id(0)] public bool Registered { get; init; }
    [Id(1)] public string Name { get; init; } = "";
    [Id(2)] public string Domain { get; init; } = "";
    [Id(3)] public PartnerType Type { get; init; }
    [Id(4)] public string Tier { get; init; } = "";
    [Id(5)] public string[] Industries { get; init; } = [];
    [Id(6)] public string[] Regions { get; init; } = [];
    [Id(7)] public string[] Products { get; init; } = [];
    [Id(8)] public string[] Populations { get; init; } = [];
    [Id(9)] public int? KeysVersion { get; init; }
    [Id(10)] public string? X25519 { get; init; }
    [Id(11)] public string? Ed25519 { get; init; }
    [Id(12)] public string? ContactEmail { get; init; }
    [Id(13)] public SharingLevel DefaultSharing { get; init; }
    [Id(14)] public DateTimeOffset JoinedAt { get; init; }
    /// <summary>Counterparts of every partnership this partner is in, sorted, for paging.</summary>
    [Id(15)] public SortedSet<string> Counterparts { get; init; } = new(StringComparer.Ordinal);

    public DirectoryEntry ToEntry(string id) => new(
        id, Name, Domain, Type, Tier,
        new Capabilities(Industries, Regions, Products),
        Populations,
        KeysVersion is { } v ? new PublicKeys(v, X25519!, Ed25519!) : null,
        JoinedAt);

    public PartnerProfile ToProfile(string id) => new(ToEntry(id), new PrivateSettings(ContactEmail, DefaultSharing));
}
