using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Partners;
using Microsoft.Extensions.Logging;

namespace CoSellNet.Silo.Deals;

public sealed class VendorProgramGrain(
    [PersistentState("program", SiloHosting.StorageName)] IPersistentState<ProgramState> state,
    DealStore store,
    TimeProvider clock,
    ILogger<VendorProgramGrain> log) : Grain, IVendorProgramGrain
{
    /// <summary>Who may register by default: every partner type but vendor.</summary>
    public static readonly PartnerType[] DefaultEligibleTypes = [.. Enum.GetValues<PartnerType>().Where(t => t != PartnerType.Vendor)];

    private string VendorId => this.GetPrimaryKeyString();

    public async Task<VendorProgram> Publish(string by, ProgramRules rules)
    {
        if (by != VendorId)
            throw ProblemException.Forbidden("Not your program", "A vendor publishes its own program only: use your own partner id.");
        var vendor = await GrainFactory.GetGrain<IPartnerGrain>(by).GetEntry();
        if (vendor.Type != PartnerType.Vendor)
            throw ProblemException.Forbidden("Not a vendor",
                $"Only partners of type vendor run a deal registration program; {vendor.Name} is of type {Name(vendor.Type)}.");

        var v = new Validator();
        var protection = rules.ProtectionDays ?? DealRules.DefaultProtectionDays;
        var deadline = rules.ApprovalDeadlineDays ?? DealRules.DefaultApprovalDeadlineDays;
        v.Require(protection is >= 1 and <= DealRules.MaxProtectionDays, "protectionDays", $"must be 1 to {DealRules.MaxProtectionDays} days.");
        v.Require(deadline is >= 1 and <= DealRules.MaxApprovalDeadlineDays, "approvalDeadlineDays", $"must be 1 to {DealRules.MaxApprovalDeadlineDays} days.");
        var types = rules.EligibleTypes ?? DefaultEligibleTypes;
        v.Require(types.Count > 0, "eligibleTypes", "must name at least one partner type, or be left out for every type but vendor.");
        v.Require(types.All(Enum.IsDefined), "eligibleTypes", "has a value that is not a partner type.");
        v.ThrowIfInvalid();

        state.State = new ProgramState
        {
            Published = true,
            ProtectionDays = protection,
            ApprovalDeadlineDays = deadline,
            EligibleTypes = [.. types.Distinct().Order()],
            Version = state.State.Version + 1,
            PublishedAt = clock.GetUtcNow(),
        };
        await state.WriteStateAsync();
        var program = View(vendor.Name);
        try
        {
            await store.UpsertProgram(program);
        }
        catch (Exception e)
        {
            // The program is published; only its place in GET /programs waits for the next activation or publish.
            log.LogWarning(e, "The program of vendor {Vendor} is published but its list row was not written", VendorId);
        }
        return program;
    }

    /// <summary>
    /// Programs published before the list's table existed (migration 0008) get their row when their
    /// grain next wakes; a failure here only delays that to the next activation or publish.
    /// </summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!state.State.Published) return;
        try
        {
            var vendor = await GrainFactory.GetGrain<IPartnerGrain>(VendorId).Find();
            await store.UpsertProgram(View(vendor?.Name ?? ""));
        }
        catch (Exception e)
        {
            log.LogWarning(e, "The program of vendor {Vendor} could not be written to its list", VendorId);
        }
    }

    public async Task<VendorProgram> Get()
    {
        if (!state.State.Published)
            throw ProblemException.NotFound("Program",
                $"Partner {VendorId} has not published a deal registration program. Deals can be registered with a vendor once it publishes its rules (PUT /api/v1/programs/{{vendorId}}).");
        var vendor = await GrainFactory.GetGrain<IPartnerGrain>(VendorId).Find();
        return View(vendor?.Name ?? "");
    }

    private VendorProgram View(string vendorName) => new(
        VendorId, vendorName, state.State.ProtectionDays, state.State.EligibleTypes, state.State.ApprovalDeadlineDays,
        state.State.Version, state.State.PublishedAt);

    private static string Name(PartnerType type) => System.Text.Json.JsonSerializer.Serialize(type).Trim('"');
}
