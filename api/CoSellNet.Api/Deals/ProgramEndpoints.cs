using System.Security.Claims;
using System.Text.Json;
using CoSellNet.Api.Auth;
using CoSellNet.Api.Paging;
using CoSellNet.Protocol;
using CoSellNet.Silo.Deals;
using CoSellNet.Silo.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoSellNet.Api.Deals;

/// <summary>
/// Deal registration and rules of engagement: each vendor's published program (readable by every
/// partner), the registrations made with it (the vendor's to list and decide), and my own.
/// Registering happens from a room: POST /rooms/{roomId}/registrations.
/// </summary>
public static class ProgramEndpoints
{
    public static RouteGroupBuilder MapPrograms(this RouteGroupBuilder api)
    {
        var programs = api.MapGroup("/programs").WithTags("Deal registration");

        programs.MapGet("/", async Task<Ok<Page<VendorProgram>>> (string? cursor, int? limit, ClaimsPrincipal user, DealStore store) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var items = await store.ProgramsFor(user.PrincipalId(), after, size + 1);
            return TypedResults.Ok(Cursor.Of([.. items], p => p.VendorId, size));
        })
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("The programs I take part in: my own as a vendor, and those of vendors I work with")
        .WithDescription("A partner takes part in a vendor's published program when it is an accepted member of a room the vendor is also an accepted member of, " +
                         "or when it has registered a deal with the vendor (any status). In vendor id order, cursor-paged. Any program can still be read by id (GET /programs/{vendorId}).");

        programs.MapGet("/{vendorId}", async Task<Ok<VendorProgram>> (string vendorId, IGrainFactory grains) =>
            TypedResults.Ok(await Program(grains, vendorId).Get()))
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("A vendor's program: its rules of engagement, readable by every partner");

        programs.MapPut("/{vendorId}", async Task<Ok<VendorProgram>> (string vendorId, ProgramRules rules, ClaimsPrincipal user, IGrainFactory grains) =>
            TypedResults.Ok(await Program(grains, vendorId).Publish(user.PrincipalId(), rules)))
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Publish my program's rules (vendors only)")
        .WithDescription($"protectionDays (1 to {DealRules.MaxProtectionDays}, default {DealRules.DefaultProtectionDays}): how long an approved registration protects the account; " +
                         $"eligibleTypes (default every type but vendor): who may register; approvalDeadlineDays (1 to {DealRules.MaxApprovalDeadlineDays}, default {DealRules.DefaultApprovalDeadlineDays}): " +
                         "how long I have to decide before a registration lapses. Registrations keep the protection period in force when they were made.");

        programs.MapGet("/{vendorId}/registrations", async Task<Ok<Page<DealRegistration>>> (string vendorId, string? status, string? cursor, int? limit, ClaimsPrincipal user, DealStore store) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var filter = Status(status);
            if (vendorId != user.PrincipalId())
                throw ProblemException.Forbidden("Not your program", "Only the vendor lists the registrations made with its program. Yours are at GET /api/v1/registrations.");
            var items = await store.ForVendor(vendorId, filter, after, size + 1);
            return TypedResults.Ok(Cursor.Of([.. items], r => r.Id, size));
        })
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("Registrations made with my program (vendor only); ?status=pending|approved|rejected|lapsed|ended");

        programs.MapGet("/{vendorId}/registrations/{registrationId}", async Task<Ok<DealRegistration>> (string vendorId, string registrationId, ClaimsPrincipal user, IGrainFactory grains, DealStore store) =>
        {
            var grain = await Protection(grains, store, vendorId, registrationId);
            return TypedResults.Ok(await grain.Get(user.PrincipalId(), registrationId));
        })
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("One registration, for the vendor or the partner that made it");

        MapDecision(programs, "approve", true, "Approve a pending registration: it protects the account for the program's protection period");
        MapDecision(programs, "reject", false, "Reject a pending registration, with a reason");

        api.MapGet("/registrations", async Task<Ok<Page<DealRegistration>>> (string? status, string? cursor, int? limit, ClaimsPrincipal user, DealStore store) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var items = await store.ForPartner(user.PrincipalId(), Status(status), after, size + 1);
            return TypedResults.Ok(Cursor.Of([.. items], r => r.Id, size));
        })
        .WithTags("Deal registration")
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("Registrations my partner made, with any vendor; ?status= filters");

        return api;
    }

    private static void MapDecision(RouteGroupBuilder programs, string action, bool approve, string summary) =>
        programs.MapPost($"/{{vendorId}}/registrations/{{registrationId}}/{action}", async Task<Ok<DealRegistration>> (
                string vendorId, string registrationId, DealDecision? decision, ClaimsPrincipal user, IGrainFactory grains, DealStore store) =>
            {
                var me = user.PrincipalId();
                if (vendorId != me) throw DealProblems.NotFound();
                var grain = await Protection(grains, store, vendorId, registrationId);
                return TypedResults.Ok(await grain.Decide(me, registrationId, approve, decision?.Reason));
            })
            .RequireAuthorization(Claims.Policies.Write)
            .WithSummary(summary);

    private static IVendorProgramGrain Program(IGrainFactory grains, string vendorId) =>
        vendorId.Length is > 0 and <= 64 && vendorId.All(char.IsAsciiLetterOrDigit)
            ? grains.GetGrain<IVendorProgramGrain>(vendorId)
            : throw ProblemException.NotFound("Program", "That is not a partner id. Vendors are in the directory (GET /api/v1/directory?type=vendor).");

    /// <summary>The protection grain that holds a registration of this vendor's program.</summary>
    private static async Task<IDealProtectionGrain> Protection(IGrainFactory grains, DealStore store, string vendorId, string registrationId)
    {
        var row = registrationId.Length == 32 && registrationId.All(char.IsAsciiHexDigitLower) ? await store.Find(registrationId) : null;
        if (row is null || row.VendorId != vendorId) throw DealProblems.NotFound();
        return grains.GetGrain<IDealProtectionGrain>(DealKey.For(row.VendorId, row.Domain));
    }

    private static RegistrationStatus? Status(string? status)
    {
        if (string.IsNullOrEmpty(status)) return null;
        try { return JsonSerializer.Deserialize<RegistrationStatus>($"\"{status}\""); }
        catch (JsonException) { throw ProblemException.Invalid("status", "must be one of pending, approved, rejected, lapsed, ended."); }
    }
}
