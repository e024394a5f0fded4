using CoSellNet.Protocol;

namespace CoSellNet.Silo.Pipeline;

/// <summary>What a report covers: period (vendor-local dates, inclusive), partner, partner type, stage, currency, model.</summary>
[GenerateSerializer, Alias("cosellnet.pipeline.filter.v1")]
public sealed record PipelineFilter
{
    [Id(0)] public DateOnly? From { get; init; }
    [Id(1)] public DateOnly? To { get; init; }
    [Id(2)] public string? Partner { get; init; }
    [Id(3)] public string? PartnerType { get; init; }
    [Id(4)] public string? Stage { get; init; }
    [Id(5)] public string? Currency { get; init; }
    [Id(6)] public AttributionModel Model { get; init; } = AttributionModel.Sourced;
    [Id(7)] public int? HalfLifeDays { get; init; }
}

/// <summary>Reports computed from a vendor's totals: pure functions, so they are easy to check.</summary>
public static class PipelineReports
{
    private static IEnumerable<KeyValuePair<TotalKey, TotalValue>> Rows(PipelineTotals totals, Measure measure, PipelineFilter f, AttributionModel model = default) =>
        totals.Of(measure, model).Where(t => (f.From is null || t.Key.Date >= f.From) && (f.To is null || t.Key.Date <= f.To)
                          && (f.Stage is null || t.Key.Stage == f.Stage));

    private static bool PartnerMatches(TotalKey key, PipelineFilter f) =>
        (f.Partner is null || key.Partner == f.Partner) && (f.PartnerType is null || key.PartnerType == f.PartnerType);

    private static ReportBasis Basis(PipelineFilter f, PipelineSettings settings, Conversion money, IEnumerable<string> currencies) =>
        new(money.Currency, f.From, f.To, settings.TimeZone, money.Describe(currencies));

    public static EcosystemPipelineReport Ecosystem(PipelineTotals totals, PipelineFilter f, PipelineSettings settings)
    {
        var money = new Conversion(settings, f.Currency ?? settings.BaseCurrency);
        var rows = Rows(totals, Measure.Pipeline, f).ToList();
        // Rows without a partner are rooms: once with no type (all rooms) and once per partner type in
        // the room; with a partner filter, that partner's rooms (one row per room either way).
        var partners = rows.Where(r => r.Key.Partner != "" && PartnerMatches(r.Key, f)).ToList();
        var rooms = f.Partner is not null ? partners : rows.Where(r => r.Key.Partner == "" && r.Key.PartnerType == (f.PartnerType ?? "")).ToList();
        var types = f.Partner is not null ? partners
            : rows.Where(r => r.Key.Partner == "" && r.Key.PartnerType != "" && (f.PartnerType is null || r.Key.PartnerType == f.PartnerType)).ToList();
        List<Breakdown> By(IEnumerable<KeyValuePair<TotalKey, TotalValue>> source, Func<TotalKey, string> key) =>
            [.. source.GroupBy(r => key(r.Key)).Select(g => new Breakdown(g.Key, money.Total(g.Select(r => (r.Key.Currency, r.Value.Value))), g.Sum(r => r.Value.Count)))
                .OrderByDescending(b => b.Value).ThenBy(b => b.Key, StringComparer.Ordinal)];
        return new EcosystemPipelineReport(Basis(f, settings, money, rows.Select(r => r.Key.Currency)),
            money.Total(rooms.Select(r => (r.Key.Currency, r.Value.Value))), rooms.Sum(r => r.Value.Count),
            By(rooms, k => k.Stage), By(partners, k => k.Partner), By(types, k => k.PartnerType));
    }

    public static RevenueReport Revenue(PipelineTotals totals, PipelineFilter f, PipelineSettings settings)
    {
        var money = new Conversion(settings, f.Currency ?? settings.BaseCurrency);
        var rows = Rows(totals, Measure.Revenue, f, f.Model).ToList();
        // A touch by a partner no longer in its room has no type there; the credit is still the
        // partner's, under the type its other rows give it, on one line per partner.
        var candidates = rows.Where(r => r.Key.Partner != "" && (f.Partner is null || r.Key.Partner == f.Partner)).ToList();
        var typeOf = candidates.Where(r => r.Key.PartnerType != "").GroupBy(r => r.Key.Partner)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Key.PartnerType).Max(StringComparer.Ordinal)!);
        string TypeOf(string partner) => typeOf.GetValueOrDefault(partner, "");
        var partnerRows = candidates.Where(r => f.PartnerType is null || TypeOf(r.Key.Partner) == f.PartnerType).ToList();
        decimal Kind(IEnumerable<KeyValuePair<TotalKey, TotalValue>> source, string kind) =>
            money.Total(source.Where(r => r.Key.Kind == kind).Select(r => (r.Key.Currency, r.Value.Value)));
        var partners = partnerRows.GroupBy(r => r.Key.Partner)
            .Select(g => new PartnerRevenue(g.Key, TypeOf(g.Key), Kind(g, "sourced"), Kind(g, "influenced"), Kind(g, "transacted")))
            .OrderByDescending(p => p.Sourced + p.Influenced + p.Transacted).ThenBy(p => p.PartnerId, StringComparer.Ordinal).ToList();
        var byType = partnerRows.GroupBy(r => TypeOf(r.Key.Partner))
            .Select(g => new Breakdown(g.Key, money.Total(g.Select(r => (r.Key.Currency, r.Value.Value))), g.Sum(r => r.Value.Count)))
            .OrderByDescending(b => b.Value).ThenBy(b => b.Key, StringComparer.Ordinal).ToList();
        var direct = f.Partner is null && f.PartnerType is null ? money.Total(rows.Where(r => r.Key.Partner == "").Select(r => (r.Key.Currency, r.Value.Value))) : 0;
        return new RevenueReport(Basis(f, settings, money, rows.Select(r => r.Key.Currency)), f.Model,
            f.Model == AttributionModel.TimeDecay ? f.HalfLifeDays ?? settings.HalfLifeDays : null,
            Kind(partnerRows, "sourced"), Kind(partnerRows, "influenced"), Kind(partnerRows, "transacted"), direct, partners, byType);
    }

    public static RopiReport Ropi(PipelineTotals totals, IReadOnlyList<PartnerCost> costs, PipelineFilter f, PipelineSettings settings)
    {
        var revenue = Revenue(totals, f, settings);
        var money = new Conversion(settings, revenue.Basis.Currency);
        var inPeriod = costs.Where(c => (f.From is null || c.Date >= f.From) && (f.To is null || c.Date <= f.To) && (f.Partner is null || c.PartnerId == f.Partner)).ToList();
        var costByPartner = inPeriod.GroupBy(c => c.PartnerId).ToDictionary(g => g.Key, g => money.Total(g.Select(c => (c.Currency, c.Amount))));
        var types = revenue.Partners.ToDictionary(p => p.PartnerId, p => p.PartnerType);
        var partners = revenue.Partners.Select(p => p.PartnerId).Union(costByPartner.Keys)
            .Select(id =>
            {
                var attributed = revenue.Partners.FirstOrDefault(p => p.PartnerId == id) is { } r ? r.Sourced + r.Influenced + r.Transacted : 0;
                var cost = costByPartner.GetValueOrDefault(id);
                return new PartnerRopi(id, types.GetValueOrDefault(id, ""), attributed, cost, RopiOf(attributed, cost));
            })
            .Where(p => f.PartnerType is null || p.PartnerType == f.PartnerType)
            .OrderByDescending(p => p.Ropi ?? decimal.MinValue).ThenBy(p => p.PartnerId, StringComparer.Ordinal).ToList();
        var totalRevenue = partners.Sum(p => p.AttributedRevenue);
        var totalCost = partners.Sum(p => p.Cost);
        var basis = revenue.Basis with { Conversion = money.Describe(inPeriod.Select(c => c.Currency).Concat(totals.Currencies).Where(c => c != "")) };
        return new RopiReport(basis, f.Model, totalRevenue, totalCost, RopiOf(totalRevenue, totalCost), partners);
    }

    /// <summary>(revenue − cost) / cost to 4 decimals; undefined without cost.</summary>
    private static decimal? RopiOf(decimal revenue, decimal cost) =>
        cost == 0 ? null : decimal.Round((revenue - cost) / cost, 4, MidpointRounding.AwayFromZero);

    public static CoSellReport CoSell(PipelineTotals totals, PipelineFilter f, PipelineSettings settings)
    {
        var money = new Conversion(settings, f.Currency ?? settings.BaseCurrency);
        var rows = Rows(totals, Measure.Deal, f with { Stage = null }).ToList();
        Cohort Of(string cohort)
        {
            var deals = rows.Where(r => r.Key.Kind == cohort).ToList();
            var won = deals.Where(r => r.Key.Stage == RoomFacts.ClosedWon).ToList();
            long wonCount = won.Sum(r => r.Value.Count), all = deals.Sum(r => r.Value.Count);
            return new Cohort(wonCount, all - wonCount,
                all == 0 ? null : decimal.Round((decimal)wonCount / all, 4, MidpointRounding.AwayFromZero),
                all == 0 ? null : decimal.Round((decimal)deals.Sum(r => r.Value.CycleDays) / all, 1, MidpointRounding.AwayFromZero),
                wonCount == 0 ? null : money.Round(money.Total(won.Select(r => (r.Key.Currency, r.Value.Value))) / wonCount));
        }
        return new CoSellReport(Basis(f, settings, money, rows.Select(r => r.Key.Currency)), Of("co-sold"), Of("direct"));
    }

    public static Scorecard ScorecardOf(PipelineTotals totals, string partner, string type, PipelineFilter f, PipelineSettings settings)
    {
        var mine = f with { Partner = partner, PartnerType = null };
        var revenue = Revenue(totals, mine, settings);
        var money = new Conversion(settings, revenue.Basis.Currency);
        var credit = revenue.Partners.FirstOrDefault() ?? new PartnerRevenue(partner, type, 0, 0, 0);
        var touches = Rows(totals, Measure.Touch, mine).Where(r => r.Key.Partner == partner).ToList();
        long Touches(string kind) => touches.Where(r => r.Key.Kind == kind).Sum(r => r.Value.Count);
        var attached = Rows(totals, Measure.Attached, mine).Where(r => r.Key.Partner == partner).ToList();
        var pipeline = Ecosystem(totals, mine, settings);
        var c = money.Currency;
        var all = new Dictionary<string, ScoreMetric>
        {
            ["sourced"] = new("Sourced revenue", credit.Sourced, c),
            ["influenced"] = new("Influenced revenue", credit.Influenced, c),
            ["transacted"] = new("Resold (transacted) revenue", credit.Transacted, c),
            ["attached"] = new("Attached value of won deals", money.Total(attached.Select(r => (r.Key.Currency, r.Value.Value))), c),
            ["deployments"] = new("Won deals taken part in (deployments)", attached.Sum(r => r.Value.Count), "deals"),
            ["influence-touches"] = new("Influence touches", Touches("influenced"), "touches"),
            ["sourced-touches"] = new("Referrals and sourced touches", Touches("sourced"), "touches"),
            ["pipeline"] = new("Open ecosystem pipeline taken part in", pipeline.Total, c),
        };
        // Lead with what the partner's type is for, so that no partner is ranked on what it does not do.
        string[] leading = type switch
        {
            "influence" => ["influenced", "influence-touches"],
            "referral" => ["sourced", "sourced-touches", "influenced"],
            "service" => ["attached", "deployments", "influenced"],
            "reseller" => ["transacted", "sourced"],
            _ => ["sourced", "influenced", "pipeline"],
        };
        return new Scorecard(revenue.Basis, partner, type, f.Model,
            [.. leading.Select(k => all[k])], [.. all.Where(kv => !leading.Contains(kv.Key)).Select(kv => kv.Value)]);
    }
}
