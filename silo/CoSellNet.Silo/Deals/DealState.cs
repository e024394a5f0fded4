using CoSellNet.Protocol;

namespace CoSellNet.Silo.Deals;

[GenerateSerializer, Alias("cosellnet.deal-protection.v1")]
public sealed record ProtectionState
{
    [Id(0)] public List<RegistrationState> Registrations { get; init; } = [];
    /// <summary>The account's registrable domain, set by the first registration.</summary>
    [Id(1)] public string Domain { get; set; } = "";
}

[GenerateSerializer, Alias("cosellnet.deal-registration.v1")]
public sealed record RegistrationState
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public string VendorName { get; init; } = "";
    [Id(2)] public string PartnerId { get; init; } = "";
    [Id(3)] public string PartnerName { get; init; } = "";
    [Id(4)] public string RoomId { get; init; } = "";
    [Id(5)] public string AccountName { get; init; } = "";
    [Id(6)] public RegistrationStatus Status { get; init; }
    [Id(7)] public string? Note { get; init; }
    [Id(8)] public DateTimeOffset RegisteredAt { get; init; }
    [Id(9)] public DateTimeOffset DecideBy { get; init; }
    /// <summary>The program's protection period when the deal was registered.</summary>
    [Id(10)] public int ProtectionDays { get; init; }
    [Id(11)] public DateTimeOffset? DecidedAt { get; init; }
    [Id(12)] public string? Reason { get; init; }
    [Id(13)] public DateTimeOffset? ProtectedUntil { get; init; }
    [Id(14)] public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Approved and not yet expired at <paramref name="now"/>.</summary>
    public bool Protects(DateTimeOffset now) => Status == RegistrationStatus.Approved && ProtectedUntil > now;

    public bool Live => Status is RegistrationStatus.Pending or RegistrationStatus.Approved;

    /// <summary>When this registration next changes by itself: its approval deadline or its protection's end.</summary>
    public DateTimeOffset? NextDue => Status switch
    {
        RegistrationStatus.Pending => DecideBy,
        RegistrationStatus.Approved => ProtectedUntil,
        _ => null,
    };

    public DealRegistration ToView(string vendorId, string domain) => new(
        Id, vendorId, VendorName, PartnerId, PartnerName, RoomId, new RoomAccount(domain, AccountName), Status, Note,
        RegisteredAt, DecideBy, ProtectionDays, DecidedAt, Reason, ProtectedUntil, EndedAt);
}
