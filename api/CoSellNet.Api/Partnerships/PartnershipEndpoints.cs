using System.Security.Claims;
using CoSellNet.Api.Auth;
using CoSellNet.Api.Paging;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Partners;
using CoSellNet.Silo.Partnerships;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoSellNet.Api.Partnerships;

/// <summary>
/// My partnerships, each addressed by the counterpart's partner id: a caller can only ever name
/// its own partnerships, so another partner's ids in the URL lead nowhere.
/// </summary>
public static class PartnershipEndpoints
{
    public static RouteGroupBuilder MapPartnerships(this RouteGroupBuilder api)
    {
        var partnerships = api.MapGroup("/partnerships").WithTags("Partnerships");

        partnerships.MapGet("/", async Task<Ok<Page<PartnershipView>>> (string? cursor, int? limit, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            var me = user.PrincipalId();
            var counterparts = await grains.GetGrain<IPartnerGrain>(me).ListCounterparts(after, size + 1);
            var views = await Task.WhenAll(counterparts.Select(c => Grain(grains, me, c).Get(me)));
            return TypedResults.Ok(Cursor.Of([.. views], v => v.Theirs.PartnerId, size));
        })
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("List my partnerships");

        partnerships.MapPost("/", async Task<Created<PartnershipView>> (ProposePartnership proposal, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            if (string.IsNullOrWhiteSpace(proposal.CounterpartId) || proposal.CounterpartId.Length > 64)
                throw ProblemException.Invalid("counterpartId", "is required: the partner id from the directory.");
            var me = user.PrincipalId();
            var view = await Grain(grains, me, proposal.CounterpartId).Propose(me, proposal);
            return TypedResults.Created(Routes.Partnership(proposal.CounterpartId), view);
        })
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Propose a partnership")
        .WithDescription("The counterpart accepts or declines. My motions and sharing rules may be set now or later.");

        partnerships.MapGet("/{counterpartId}", (string counterpartId, ClaimsPrincipal user, IGrainFactory grains) =>
            Act(user, grains, counterpartId, (g, me) => g.Get(me)))
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("My partnership with one partner");

        partnerships.MapGet("/{counterpartId}/history", async Task<Ok<Page<PartnershipChange>>> (string counterpartId, string? cursor, int? limit, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var (after, size) = Cursor.Read(cursor, limit);
            long afterSequence = 0;
            if (after is not null && !long.TryParse(after, out afterSequence))
                throw ProblemException.Invalid("cursor", "is not a cursor this node issued; pass nextCursor from the previous page unchanged.");
            var me = user.PrincipalId();
            var changes = await Grain(grains, me, counterpartId).History(me, afterSequence, size + 1);
            return TypedResults.Ok(Cursor.Of([.. changes], c => c.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), size));
        })
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("Every change to the partnership: who and when");

        partnerships.MapPost("/{counterpartId}/accept", (string counterpartId, AcceptPartnership? acceptance, ClaimsPrincipal user, IGrainFactory grains) =>
            Act(user, grains, counterpartId, (g, me) => g.Accept(me, acceptance ?? new AcceptPartnership())))
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Accept a partnership proposed to me, with my motions and rules");

        MapAction(partnerships, "decline", (g, me) => g.Decline(me), "Decline a partnership proposed to me");
        MapAction(partnerships, "pause", (g, me) => g.Pause(me), "Pause: nothing is shared while either side has it paused");
        MapAction(partnerships, "resume", (g, me) => g.Resume(me), "Resume what I paused");
        MapAction(partnerships, "end", (g, me) => g.End(me), "End the partnership (or withdraw my proposal)");
        MapAction(partnerships, "rotate", (g, me) => g.Rotate(me), "Start a new epoch: keys rotate, the old epoch's blinded data is discarded");

        partnerships.MapPut("/{counterpartId}/motions", (string counterpartId, SetMotions body, ClaimsPrincipal user, IGrainFactory grains) =>
            Act(user, grains, counterpartId, (g, me) => g.SetMotions(me, body.Motions ?? [])))
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Set the motions I opt into: co-sell, referral, resell");

        partnerships.MapPut("/{counterpartId}/rules", (string counterpartId, SetRules body, ClaimsPrincipal user, IGrainFactory grains) =>
            Act(user, grains, counterpartId, (g, me) => g.SetRules(me, body.Rules ?? [])))
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Set what I share of each of my populations")
        .WithDescription("Levels: none < counts < overlaps < fields. Populations without a rule are not shared. Takes effect on the next request.");

        return api;
    }

    private static void MapAction(RouteGroupBuilder group, string action, Func<IPartnershipGrain, string, Task<PartnershipView>> call, string summary) =>
        group.MapPost($"/{{counterpartId}}/{action}", (string counterpartId, ClaimsPrincipal user, IGrainFactory grains) =>
                Act(user, grains, counterpartId, call))
            .RequireAuthorization(Claims.Policies.Write)
            .WithSummary(summary);

    private static async Task<Ok<PartnershipView>> Act(ClaimsPrincipal user, IGrainFactory grains, string counterpartId, Func<IPartnershipGrain, string, Task<PartnershipView>> call)
    {
        var me = user.PrincipalId();
        return TypedResults.Ok(await call(Grain(grains, me, counterpartId), me));
    }

    /// <summary>My partnership grain with one counterpart.</summary>
    internal static IPartnershipGrain Grain(IGrainFactory grains, string me, string counterpartId) =>
        grains.GetGrain<IPartnershipGrain>(PartnershipKey.For(me, CheckId(counterpartId)));

    /// <summary>A partner id from a URL: anything else cannot name a partnership.</summary>
    internal static string CheckId(string counterpartId) =>
        counterpartId.Length is > 0 and <= 64 && counterpartId.All(char.IsAsciiLetterOrDigit)
            ? counterpartId
            : throw ProblemException.NotFound("Partnership", $"'{counterpartId[..Math.Min(64, counterpartId.Length)]}' is not a partner id. Partner ids are in the directory (GET /api/v1/directory).");
}
