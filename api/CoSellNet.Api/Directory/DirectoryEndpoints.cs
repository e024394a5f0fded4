using CoSellNet.Api.Auth;
using CoSellNet.Api.Paging;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Partners;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoSellNet.Api.Directory;

/// <summary>The public directory of partners on this network.</summary>
public static class DirectoryEndpoints
{
    public static RouteGroupBuilder MapDirectory(this RouteGroupBuilder api)
    {
        var directory = api.MapGroup("/directory").WithTags("Directory").RequireAuthorization(Claims.Policies.Member);

        directory.MapGet("/", async Task<Ok<Page<DirectoryEntry>>> (string? cursor, int? limit, PartnerType? type, string? search, PartnerDirectory store, CancellationToken ct) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            if (search is { Length: > 100 }) throw ProblemException.Invalid("search", "is longer than 100 characters.");
            var items = await store.List(after, size + 1, type, string.IsNullOrWhiteSpace(search) ? null : search.Trim(), ct);
            return TypedResults.Ok(Cursor.Of([.. items], e => e.Id, size));
        })
        .WithSummary("List partners")
        .WithDescription("Public entries in id order; filter by type, or search the name and domain.");

        directory.MapGet("/{partnerId}", async Task<Ok<DirectoryEntry>> (string partnerId, IGrainFactory grains) =>
            TypedResults.Ok(await grains.GetGrain<IPartnerGrain>(partnerId).GetEntry()))
        .WithSummary("One partner's public entry, with its public keys");

        return api;
    }
}
