using System.Security.Claims;
using CoSellNet.Api.Auth;
using CoSellNet.Protocol;
using CoSellNet.Silo.Keys;
using CoSellNet.Silo.Partners;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoSellNet.Api.Partners;

/// <summary>Creating partners (operator) and a partner's own profile and public keys.</summary>
public static class PartnerEndpoints
{
    public static RouteGroupBuilder MapPartners(this RouteGroupBuilder api)
    {
        var partners = api.MapGroup("/partners").WithTags("Partners");

        partners.MapPost("/", async Task<Created<PartnerCreated>> (PartnerRegistration registration, IGrainFactory grains) =>
        {
            var id = Guid.NewGuid().ToString("N");
            var profile = await grains.GetGrain<IPartnerGrain>(id).Register(registration);
            var key = await grains.GetGrain<IKeyRingGrain>(id).CreateFirst("first key")
                      ?? throw new InvalidOperationException("A new partner's key ring already had keys.");
            return TypedResults.Created(Routes.Me, new PartnerCreated(profile, key));
        })
        .RequireAuthorization(Claims.Policies.OperatorOnly)
        .WithSummary("Register a partner (operator)")
        .WithDescription("Creates a partner and its first admin API key. The key's secret is in this answer only.");

        partners.MapGet("/me", async Task<Ok<PartnerProfile>> (ClaimsPrincipal user, IGrainFactory grains) =>
            TypedResults.Ok(await Me(user, grains).GetProfile()))
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("My partner profile, with private settings");

        partners.MapPut("/me", async Task<Ok<PartnerProfile>> (PartnerRegistration registration, ClaimsPrincipal user, IGrainFactory grains) =>
            TypedResults.Ok(await Me(user, grains).Update(registration)))
        .RequireAuthorization(Claims.Policies.Admin)
        .WithSummary("Update my profile");

        partners.MapPut("/me/public-keys", async Task<Ok<PartnerProfile>> (PublicKeys keys, ClaimsPrincipal user, IGrainFactory grains) =>
            TypedResults.Ok(await Me(user, grains).SetPublicKeys(keys)))
        .RequireAuthorization(Claims.Policies.Admin)
        .WithSummary("Publish my public keys")
        .WithDescription("The versioned public key document exported by the client (X25519 and Ed25519, base64url). The node stores public keys only.");

        return api;
    }

    private static IPartnerGrain Me(ClaimsPrincipal user, IGrainFactory grains) =>
        grains.GetGrain<IPartnerGrain>(user.PrincipalId());
}
