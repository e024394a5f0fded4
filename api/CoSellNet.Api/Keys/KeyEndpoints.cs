using System.Security.Claims;
using CoSellNet.Api.Auth;
using CoSellNet.Api.Paging;
using CoSellNet.Protocol;
using CoSellNet.Silo.Keys;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoSellNet.Api.Keys;

/// <summary>The caller's own API keys (a partner's, or the operator's).</summary>
public static class KeyEndpoints
{
    public static RouteGroupBuilder MapKeys(this RouteGroupBuilder api)
    {
        var keys = api.MapGroup("/keys").WithTags("API keys").RequireAuthorization(Claims.Policies.AdminOrOperator);

        keys.MapGet("/", async Task<Ok<Page<ApiKeyView>>> (string? cursor, int? limit, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var all = await Ring(user, grains).List();
            return TypedResults.Ok(Cursor.Page(all.OrderBy(k => k.Id, StringComparer.Ordinal), k => k.Id, after, size));
        })
        .WithSummary("List my API keys (never their secrets)");

        keys.MapPost("/", async Task<Created<CreatedApiKey>> (ApiKeyRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var created = await Ring(user, grains).Create(request);
            return TypedResults.Created(Routes.Key(created.Key.Id), created);
        })
        .WithSummary("Create an API key")
        .WithDescription("The secret is in this answer only; the node keeps its SHA-256.");

        keys.MapDelete("/{keyId}", async Task<Ok<ApiKeyView>> (string keyId, ClaimsPrincipal user, IGrainFactory grains) =>
            TypedResults.Ok(await Ring(user, grains).Revoke(keyId)))
        .WithSummary("Revoke an API key");

        return api;
    }

    private static IKeyRingGrain Ring(ClaimsPrincipal user, IGrainFactory grains) =>
        grains.GetGrain<IKeyRingGrain>(user.PrincipalId());
}
