using System.Security.Claims;
using CoSellNet.Api.Auth;
using CoSellNet.Api.Paging;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Partners;
using CoSellNet.Silo.Pipeline;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoSellNet.Api.Pipeline;

/// <summary>
/// What a vendor's ecosystem produces: reports over the vendor's rooms (only the vendor reads
/// them), partner costs and settings (vendor only), and each partner's own scorecard with a vendor.
/// Every report takes ?from&amp;to (vendor-local dates), partner, type, stage, currency, model,
/// halfLifeDays, and format=csv for an export.
/// </summary>
public static class PipelineEndpoints
{
    public static RouteGroupBuilder MapPipeline(this RouteGroupBuilder api)
    {
        var pipeline = api.MapGroup("/pipeline").WithTags("Vendor pipeline").RequireAuthorization(Claims.Policies.Read);

        pipeline.MapGet("/ecosystem", async (PipelineQuery query, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var report = await (await Vendor(user, grains)).Ecosystem(query.ToFilter());
            return query.Csv ? PipelineCsv.Write("ecosystem-pipeline", PipelineCsv.Ecosystem(report), report.Basis) : Results.Ok(report);
        })
        .Produces<EcosystemPipelineReport>()
        .WithSummary("Ecosystem-sourced pipeline: open value in rooms with two or more partners besides me, by stage, partner and type");

        pipeline.MapGet("/revenue", async (PipelineQuery query, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var report = await (await Vendor(user, grains)).Revenue(query.ToFilter());
            return query.Csv ? PipelineCsv.Write("revenue", PipelineCsv.Revenue(report), report.Basis) : Results.Ok(report);
        })
        .Produces<RevenueReport>()
        .WithSummary("Closed-won revenue credited to partners under a model: sourced, influenced and transacted apart, and my direct share")
        .WithDescription("model: sourced (default), first-touch, last-touch, linear, time-decay (halfLifeDays, default from settings). Credits of each deal add up to its amount exactly, in its currency's minor units.");

        pipeline.MapGet("/ropi", async (PipelineQuery query, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var report = await (await Vendor(user, grains)).Ropi(query.ToFilter());
            return query.Csv ? PipelineCsv.Write("ropi", PipelineCsv.Ropi(report), report.Basis) : Results.Ok(report);
        })
        .Produces<RopiReport>()
        .WithSummary("Return on partner investment: (attributed revenue − cost) / cost by partner");

        pipeline.MapGet("/co-sell", async (PipelineQuery query, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var report = await (await Vendor(user, grains)).CoSell(query.ToFilter());
            return query.Csv ? PipelineCsv.Write("co-sell", PipelineCsv.CoSell(report), report.Basis) : Results.Ok(report);
        })
        .Produces<CoSellReport>()
        .WithSummary("Co-sold vs direct: win rate, average cycle days, average won value");

        pipeline.MapGet("/scorecards", async (PipelineQuery query, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var cards = await (await Vendor(user, grains)).Scorecards(query.ToFilter());
            return query.Csv ? PipelineCsv.Write("scorecards", PipelineCsv.Scorecards(cards), cards.FirstOrDefault()?.Basis ?? EmptyBasis) : Results.Ok(cards);
        })
        .Produces<IReadOnlyList<Scorecard>>()
        .WithSummary("Scorecards of the partners in my rooms, each leading with the figures that fit its type");

        pipeline.MapGet("/vendors/{vendorId}/scorecard", async (string vendorId, PipelineQuery query, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var me = user.PrincipalId();
            var cards = await grains.GetGrain<IPipelineGrain>(vendorId).Scorecards(query.ToFilter() with { Partner = me, PartnerType = null });
            if (cards.Count == 0)
                throw ProblemException.NotFound("Scorecard", "You take part in none of this vendor's rooms, so there is no scorecard of yours with it.");
            return query.Csv ? PipelineCsv.Write("scorecard", PipelineCsv.Scorecards(cards), cards[0].Basis) : Results.Ok(cards[0]);
        })
        .Produces<Scorecard>()
        .WithSummary("My own scorecard with a vendor (as a partner in its rooms)");

        pipeline.MapPost("/costs", async Task<Created<PartnerCost>> (PartnerCostRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var cost = await (await Vendor(user, grains)).AddCost(request);
            return TypedResults.Created($"{Routes.Prefix}/pipeline/costs", cost);
        })
        .RequireAuthorization(Claims.Policies.Write)
        .WithSummary("Record a partner cost (mdf, rebates, enablement, other)");

        pipeline.MapGet("/costs", async Task<Ok<Page<PartnerCost>>> (string? cursor, int? limit, ClaimsPrincipal user, IGrainFactory grains, PipelineStore store) =>
        {
            await Vendor(user, grains);
            var (after, size) = Cursor.Read(cursor, limit);
            (DateOnly, string)? position = null;
            if (after is not null)
            {
                var parts = after.Split('|');
                if (parts.Length != 2 || !DateOnly.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var date))
                    throw ProblemException.Invalid("cursor", "is not a cursor this node issued; pass nextCursor from the previous page unchanged.");
                position = (date, parts[1]);
            }
            var costs = await store.Costs(user.PrincipalId(), position, size + 1);
            return TypedResults.Ok(Cursor.Of(costs, c => $"{c.Date:yyyy-MM-dd}|{c.Id}", size));
        })
        .WithSummary("My recorded partner costs, by date");

        pipeline.MapGet("/settings", async Task<Ok<PipelineSettings>> (ClaimsPrincipal user, IGrainFactory grains) =>
            TypedResults.Ok(await (await Vendor(user, grains)).Settings()))
        .WithSummary("My pipeline's time zone, base currency, exchange rates and default half-life");

        pipeline.MapPut("/settings", async Task<Ok<PipelineSettings>> (PipelineSettings settings, ClaimsPrincipal user, IGrainFactory grains) =>
            TypedResults.Ok(await (await Vendor(user, grains)).SetSettings(settings)))
        .RequireAuthorization(Claims.Policies.Admin)
        .WithSummary("Set my pipeline's time zone, base currency, exchange rates (units of the base per one unit) and default half-life");

        return api;
    }

    private static readonly ReportBasis EmptyBasis = new("", null, null, "", "No partners in the selection.");

    /// <summary>The caller's own pipeline; vendors only, because only a vendor's rooms feed one.</summary>
    private static async Task<IPipelineGrain> Vendor(ClaimsPrincipal user, IGrainFactory grains)
    {
        var me = user.PrincipalId();
        var entry = await grains.GetGrain<IPartnerGrain>(me).GetEntry();
        if (entry.Type != PartnerType.Vendor)
            throw ProblemException.Forbidden("Vendors only",
                $"Pipeline reports are a vendor's view of its ecosystem, and you are registered as {entry.Type.ToString().ToLowerInvariant()}. Read your own scorecard with a vendor at GET {Routes.Prefix}/pipeline/vendors/{{vendorId}}/scorecard.");
        return grains.GetGrain<IPipelineGrain>(me);
    }
}
