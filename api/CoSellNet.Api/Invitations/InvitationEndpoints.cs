using System.Security.Claims;
using CoSellNet.Api.Auth;
using CoSellNet.Api.Paging;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Invitations;
using CoSellNet.Silo.Keys;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoSellNet.Api.Invitations;

/// <summary>Single-use, expiring invitations to join the network, from the operator or from a partner.</summary>
public static class InvitationEndpoints
{
    public const string RedeemRateLimit = "redeem";

    public static RouteGroupBuilder MapInvitations(this RouteGroupBuilder api)
    {
        var invitations = api.MapGroup("/invitations").WithTags("Invitations");

        invitations.MapGet("/", async Task<Ok<Page<InvitationView>>> (string? cursor, int? limit, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var all = await Book(user, grains).List();
            return TypedResults.Ok(Cursor.Page(all.OrderBy(i => i.Id, StringComparer.Ordinal), i => i.Id, after, size));
        })
        .RequireAuthorization(Claims.Policies.AdminOrOperator)
        .WithSummary("List the invitations I issued");

        invitations.MapPost("/", async Task<Created<CreatedInvitation>> (InvitationRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var created = await Book(user, grains).Create(request);
            return TypedResults.Created(Routes.Invitation(created.Invitation.Id), created);
        })
        .RequireAuthorization(Claims.Policies.AdminOrOperator)
        .WithSummary("Invite a company")
        .WithDescription("The token is in this answer only. When a partner invites, redeeming also proposes a partnership with it.");

        invitations.MapDelete("/{invitationId}", async Task<Ok<InvitationView>> (string invitationId, ClaimsPrincipal user, IGrainFactory grains) =>
            TypedResults.Ok(await Book(user, grains).Revoke(invitationId)))
        .RequireAuthorization(Claims.Policies.AdminOrOperator)
        .WithSummary("Revoke an unused invitation");

        invitations.MapPost("/redeem", async Task<Created<PartnerCreated>> (RedeemInvitation redeem, IGrainFactory grains) =>
        {
            if (!ApiKeyToken.TryParse(redeem.Token, ApiKeyToken.InvitationPrefix, out var token))
                throw ProblemException.Invalid("token", "is not an invitation token. Tokens look like inv_<inviter>_<id>_<secret>; copy the whole token.");
            if (redeem.Partner is null)
                throw ProblemException.Invalid("partner", "is required: describe the company that joins.");
            var created = await grains.GetGrain<IInvitationBookGrain>(token.Principal).Redeem(token.Id, token.SecretHash(), redeem.Partner);
            return TypedResults.Created(Routes.Me, created);
        })
        .AllowAnonymous()
        .RequireRateLimiting(RedeemRateLimit)
        .WithSummary("Redeem an invitation")
        .WithDescription("Creates the partner and its first admin API key (secret in this answer only); single use.");

        return api;
    }

    private static IInvitationBookGrain Book(ClaimsPrincipal user, IGrainFactory grains) =>
        grains.GetGrain<IInvitationBookGrain>(user.PrincipalId());
}
