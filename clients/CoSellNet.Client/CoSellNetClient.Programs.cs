using CoSellNet.Protocol;

namespace CoSellNet.Client;

/// <summary>
/// Deal registration: vendors' published programs (rules of engagement), the registrations made with
/// a vendor's program (the vendor's to list and decide) and my own. Registering happens from a room
/// (<see cref="RegisterDealAsync"/>).
/// </summary>
public sealed partial class CoSellNetClient
{
    /// <summary>
    /// One page of the programs I take part in, by vendor id: my own (as a vendor) and those of vendors
    /// I share an accepted room with or registered a deal with.
    /// </summary>
    public Task<Page<VendorProgram>> ListProgramsAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<VendorProgram>>(WithPaging(Routes.Programs, cursor, limit), cancellationToken);

    /// <summary>Every program I take part in, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<VendorProgram> ListAllProgramsAsync(CancellationToken cancellationToken = default) =>
        WalkAsync((cursor, ct) => ListProgramsAsync(cursor, Vocabulary.MaxPageSize, ct), cancellationToken);

    /// <summary>A vendor's published program, readable by every partner; 404 until the vendor publishes one.</summary>
    public Task<VendorProgram> GetProgramAsync(string vendorId, CancellationToken cancellationToken = default) =>
        GetAsync<VendorProgram>(Routes.Program(Id(vendorId, nameof(vendorId))), cancellationToken);

    /// <summary>
    /// Publishes my program's rules (vendors only, my own partner id), replacing the previous ones:
    /// fields left null take their defaults. Registrations keep the protection period in force when they were made.
    /// </summary>
    public Task<VendorProgram> PublishProgramAsync(string vendorId, ProgramRules rules, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return PutAsync<VendorProgram>(Routes.Program(Id(vendorId, nameof(vendorId))), rules, cancellationToken);
    }

    /// <summary>One page of the registrations made with my program (vendor only), optionally of one status.</summary>
    public Task<Page<DealRegistration>> ListProgramRegistrationsAsync(string vendorId, RegistrationStatus? status = null, string? cursor = null, int? limit = null,
        CancellationToken cancellationToken = default) =>
        GetAsync<Page<DealRegistration>>(WithPaging(Routes.ProgramRegistrations(Id(vendorId, nameof(vendorId))), cursor, limit, Status(status)), cancellationToken);

    /// <summary>All the registrations made with my program (vendor only), fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<DealRegistration> ListAllProgramRegistrationsAsync(string vendorId, RegistrationStatus? status = null, CancellationToken cancellationToken = default)
    {
        Id(vendorId, nameof(vendorId));
        return WalkAsync((cursor, ct) => ListProgramRegistrationsAsync(vendorId, status, cursor, Vocabulary.MaxPageSize, ct), cancellationToken);
    }

    /// <summary>One registration made with a vendor's program, for the vendor or the partner that made it.</summary>
    public Task<DealRegistration> GetProgramRegistrationAsync(string vendorId, string registrationId, CancellationToken cancellationToken = default) =>
        GetAsync<DealRegistration>(Routes.ProgramRegistration(Id(vendorId, nameof(vendorId)), Id(registrationId, nameof(registrationId))), cancellationToken);

    /// <summary>Approves a pending registration with my program: it protects the account for the program's protection period.</summary>
    public Task<DealRegistration> ApproveRegistrationAsync(string vendorId, string registrationId, string? reason = null, CancellationToken cancellationToken = default) =>
        Decide(vendorId, registrationId, "approve", reason, cancellationToken);

    /// <summary>Rejects a pending registration with my program; the partner is told the reason.</summary>
    public Task<DealRegistration> RejectRegistrationAsync(string vendorId, string registrationId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return Decide(vendorId, registrationId, "reject", reason, cancellationToken);
    }

    /// <summary>One page of the registrations my partner made, with any vendor, optionally of one status.</summary>
    public Task<Page<DealRegistration>> ListMyRegistrationsAsync(RegistrationStatus? status = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<DealRegistration>>(WithPaging(Routes.MyRegistrations, cursor, limit, Status(status)), cancellationToken);

    /// <summary>All the registrations my partner made, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<DealRegistration> ListAllMyRegistrationsAsync(RegistrationStatus? status = null, CancellationToken cancellationToken = default) =>
        WalkAsync((cursor, ct) => ListMyRegistrationsAsync(status, cursor, Vocabulary.MaxPageSize, ct), cancellationToken);

    private Task<DealRegistration> Decide(string vendorId, string registrationId, string decision, string? reason, CancellationToken ct) =>
        PostAsync<DealRegistration>(Routes.ProgramRegistrationDecision(Id(vendorId, nameof(vendorId)), Id(registrationId, nameof(registrationId)), decision),
            new DealDecision(reason), ct);

    private static (string, string?) Status(RegistrationStatus? status) => ("status", status is { } s ? CoSellNetJson.EnumName(s) : null);
}
