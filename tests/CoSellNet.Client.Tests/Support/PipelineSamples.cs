using CoSellNet.Protocol;

namespace CoSellNet.Client.Tests.Support;

/// <summary>Pipeline reports as a node would return them (the README's worked example, linear).</summary>
public static class PipelineSamples
{
    public const string VendorId = "7e57c0ffee0000000000000000000001";
    public const string Cedar = "c0000000000000000000000000000001";
    public const string Delta = "d0000000000000000000000000000001";

    public static readonly ReportBasis Usd = new("USD", new DateOnly(2026, 1, 1), new DateOnly(2026, 3, 31), "Europe/Berlin", "All amounts are in USD; nothing was converted.");

    public static RevenueReport Revenue() =>
        new(Usd, AttributionModel.Linear, null, 70_000m, 70_000m, 40_000m, 30_000m,
            [new PartnerRevenue(Cedar, "service", 40_000m, 30_000m, 0m), new PartnerRevenue(Delta, "reseller", 0m, 0m, 40_000m)],
            [new Breakdown("service", 70_000m, 2), new Breakdown("reseller", 40_000m, 1)]);

    public static EcosystemPipelineReport Ecosystem() =>
        new(Usd, 200_000m, 1, [new Breakdown("propose", 200_000m, 1)], [new Breakdown(Cedar, 200_000m, 1)], [new Breakdown("service", 200_000m, 1)]);

    public static RopiReport Ropi() =>
        new(Usd, AttributionModel.Linear, 110_000m, 30_000m, 2.6667m,
            [new PartnerRopi(Cedar, "service", 70_000m, 10_000m, 6m), new PartnerRopi(Delta, "reseller", 40_000m, 20_000m, 1m), new PartnerRopi("e0", "", 0m, 0m, null)]);

    public static CoSellReport CoSell() => new(Usd, new Cohort(2, 1, 0.6667m, 86m, 90_000m), new Cohort(0, 0, null, null, null));

    public static Scorecard Card(string partner = Cedar, string type = "service") =>
        new(Usd, partner, type, AttributionModel.Linear,
            [new ScoreMetric("Attached value of won deals", 180_000m, "USD"), new ScoreMetric("Won deals taken part in (deployments)", 2m, "deals")],
            [new ScoreMetric("Resold (transacted) revenue", 0m, "USD")]);

    public static PartnerCost Cost(string id = "c05700000000000000000000000000aa", decimal amount = 1500.5m, DateOnly? date = null) =>
        new(id, Cedar, "mdf", amount, "USD", date ?? new DateOnly(2026, 2, 1), "Q1 campaign", new DateTimeOffset(2026, 2, 2, 10, 0, 0, TimeSpan.Zero));

    public static PipelineSettings Settings() =>
        new("UTC", "USD", new Dictionary<string, decimal> { ["GBP"] = 1.25m }, 30, new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero));

    public const string RevenueCsv =
        "partner,partner-type,kind,value,currency,model\r\n" +
        "c0000000000000000000000000000001,service,sourced,40000,USD,linear\r\n" +
        ",,direct,30000,USD,linear\r\n" +
        "# All amounts are in USD; nothing was converted.\r\n";
}
