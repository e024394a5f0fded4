using System.Text.Json;
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
    /// <summary>Partner types by their wire names (<c>vendor</c>, <c>technology</c>, ...), the names the JSON contract uses.</summary>
    private static readonly IReadOnlyList<(string Name, PartnerType Type)> TypeNames =
        [.. Enum.GetValues<PartnerType>().Select(t => (JsonSerializer.Serialize(t).Trim('"'), t))];

    public static RouteGroupBuilder MapDirectory(this RouteGroupBuilder api)
    {
        var directory = api.MapGroup("/directory").WithTags("Directory").RequireAuthorization(Claims.Policies.Member);

        // ?type= is bound as a string: the default enum binding only knows the C# names (Technology)
        // and numbers, while the contract uses the lower-case wire names (technology).
        directory.MapGet("/", async Task<Ok<Page<DirectoryEntry>>> (string? cursor, int? limit, string? type, string? search, PartnerDirectory store, CancellationToken ct) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var partnerType = ParseType(type);
            if (search is { Length: > 100 }) throw ProblemException.Invalid("search", "is longer than 100 characters.");
            var items = await store.List(after, size + 1, partnerType, string.IsNullOrWhiteSpace(search) ? null : search.Trim(), ct);
            return TypedResults.Ok(Cursor.Of([.. items], e => e.Id, size));
        })
        .WithSummary("List partners")
        .WithDescription($"Public entries in id order; filter by type ({string.Join(", ", TypeNames.Select(t => t.Name))}), or search the name and domain.");

        directory.MapGet("/{partnerId}", async Task<Ok<DirectoryEntry>> (string partnerId, IGrainFactory grains) =>
            TypedResults.Ok(await grains.GetGrain<IPartnerGrain>(partnerId).GetEntry()))
        .WithSummary("One partner's public entry, with its public keys");

        return api;
    }

    /// <summary>A partner type from its wire name; null when absent; a 400 naming the allowed values otherwise.</summary>
    internal static PartnerType? ParseType(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var trimmed = text.Trim();
        foreach (var (name, type) in TypeNames)
        {
            if (string.Equals(name, trimmed, StringComparison.OrdinalIgnoreCase)) return type;
        }
        var shown = trimmed.Length > 40 ? trimmed[..40] + "…" : trimmed;
        throw ProblemException.Invalid("type",
            $"'{shown}' is not a partner type; use one of {string.Join(", ", TypeNames.Select(t => t.Name))}, or leave it out for every type.");
    }
}
