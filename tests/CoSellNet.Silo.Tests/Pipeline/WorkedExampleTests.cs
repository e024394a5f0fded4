using CoSellNet.Protocol;
using CoSellNet.Silo.Pipeline;

namespace CoSellNet.Silo.Tests.Pipeline;

/// <summary>The worked example in the README, figure by figure.</summary>
public sealed class WorkedExampleTests
{
    private static DateTimeOffset Day(int month, int day) => new(2026, month, day, 0, 0, 0, TimeSpan.Zero);

    private static readonly RoomPartner Bluefin = new("bluefin", "technology");
    private static readonly RoomPartner Cedar = new("cedar", "service");
    private static readonly RoomPartner Delta = new("delta", "reseller");

    /// <summary>Northwind (the vendor) and three partners: five rooms in USD.</summary>
    public static readonly RoomFacts[] Rooms =
    [
        new() { RoomId = "A", VendorId = "northwind", OpenedAt = Day(1, 5), Stage = RoomFacts.ClosedWon, Amount = 120_000m, ClosedAt = Day(3, 31),
                Partners = [Bluefin, Cedar, Delta],
                Touches = [new("cedar", "sourced", Day(1, 10)), new("bluefin", "influenced", Day(2, 20)), new("delta", "transacted", Day(3, 25))] },
        new() { RoomId = "B", VendorId = "northwind", OpenedAt = Day(1, 25), Stage = RoomFacts.ClosedWon, Amount = 60_000m, ClosedAt = Day(4, 15),
                Partners = [Bluefin, Cedar], Touches = [new("bluefin", "sourced", Day(2, 1)), new("cedar", "influenced", Day(3, 1))] },
        new() { RoomId = "C", VendorId = "northwind", OpenedAt = Day(3, 1), Stage = RoomFacts.ClosedWon, Amount = 30_000m, ClosedAt = Day(4, 20) },
        new() { RoomId = "D", VendorId = "northwind", OpenedAt = Day(2, 1), Stage = RoomFacts.ClosedLost, Amount = 50_000m, ClosedAt = Day(5, 5),
                Partners = [Delta], Touches = [new("delta", "sourced", Day(2, 3))] },
        new() { RoomId = "E", VendorId = "northwind", OpenedAt = Day(4, 1), Stage = "propose", Amount = 200_000m, CloseDate = new DateOnly(2026, 6, 30),
                Partners = [Bluefin, Cedar] },
    ];

    private static readonly PipelineSettings Settings = new(TimeZone: "UTC", BaseCurrency: "USD", HalfLifeDays: 30);
    private static readonly PipelineTotals Totals = PipelineTotals.FromScratch(Rooms, TimeZoneInfo.Utc, TimeSpan.FromDays(30));

    private static RevenueReport Revenue(AttributionModel model) => PipelineReports.Revenue(Totals, new PipelineFilter { Model = model }, Settings);

    private static (decimal Sourced, decimal Influenced, decimal Transacted) Of(RevenueReport r, string partner) =>
        r.Partners.Single(p => p.PartnerId == partner) is var p ? (p.Sourced, p.Influenced, p.Transacted) : default;

    [Theory]
    //                               sourced   influenced transacted direct
    [InlineData(AttributionModel.Sourced, 180_000, 0, 0, 30_000)]
    [InlineData(AttributionModel.FirstTouch, 180_000, 0, 0, 30_000)]
    [InlineData(AttributionModel.LastTouch, 0, 60_000, 120_000, 30_000)]
    [InlineData(AttributionModel.Linear, 70_000, 70_000, 40_000, 30_000)]
    [InlineData(AttributionModel.TimeDecay, 33_798.36, 73_360.70, 72_840.94, 30_000)]
    public void Revenue_apart_by_kind_under_each_model(AttributionModel model, double sourced, double influenced, double transacted, double direct)
    {
        var r = Revenue(model);
        Assert.Equal((decimal)sourced, r.Sourced);
        Assert.Equal((decimal)influenced, r.Influenced);
        Assert.Equal((decimal)transacted, r.Transacted);
        Assert.Equal((decimal)direct, r.Direct);
        // Won deals total 210,000: every model hands out exactly that.
        Assert.Equal(210_000m, r.Sourced + r.Influenced + r.Transacted + r.Direct);
    }

    [Fact]
    public void Linear_credits_per_partner()
    {
        var r = Revenue(AttributionModel.Linear);
        Assert.Equal((40_000m, 30_000m, 0m), Of(r, "cedar"));
        Assert.Equal((30_000m, 40_000m, 0m), Of(r, "bluefin"));
        Assert.Equal((0m, 0m, 40_000m), Of(r, "delta"));
    }

    [Fact]
    public void Ropi_under_linear_with_the_partner_costs()
    {
        PartnerCost Cost(string partner, string kind, decimal amount) => new(partner + kind, partner, kind, amount, "USD", new DateOnly(2026, 2, 1), null, Day(2, 1));
        var report = PipelineReports.Ropi(Totals, [Cost("cedar", "mdf", 10_000m), Cost("bluefin", "enablement", 5_000m), Cost("delta", "rebates", 20_000m)],
            new PipelineFilter { Model = AttributionModel.Linear }, Settings);
        Assert.Equal(13m, report.Partners.Single(p => p.PartnerId == "bluefin").Ropi);
        Assert.Equal(6m, report.Partners.Single(p => p.PartnerId == "cedar").Ropi);
        Assert.Equal(1m, report.Partners.Single(p => p.PartnerId == "delta").Ropi);
        Assert.Equal(180_000m, report.AttributedRevenue);
        Assert.Equal(35_000m, report.Cost);
        Assert.Equal(4.1429m, report.Ropi);
    }

    [Fact]
    public void Co_sold_against_direct_and_the_ecosystem_pipeline()
    {
        var coSell = PipelineReports.CoSell(Totals, new PipelineFilter(), Settings);
        // A (85 days), B (80), D (93): 2 of 3 won; C (50 days) is the only direct deal.
        Assert.Equal(new Cohort(2, 1, 0.6667m, 86.0m, 90_000m), coSell.CoSold);
        Assert.Equal(new Cohort(1, 0, 1m, 50.0m, 30_000m), coSell.Direct);

        var ecosystem = PipelineReports.Ecosystem(Totals, new PipelineFilter(), Settings);
        Assert.Equal(200_000m, ecosystem.Total);
        Assert.Equal([new Breakdown("propose", 200_000m, 1)], ecosystem.ByStage);
        Assert.Equal(["bluefin", "cedar"], ecosystem.ByPartner.Select(b => b.Key).Order());
    }

    [Fact]
    public void Scorecards_lead_with_what_fits_the_partner_type()
    {
        var filter = new PipelineFilter { Model = AttributionModel.Linear };
        Assert.Equal("Attached value of won deals", PipelineReports.ScorecardOf(Totals, "cedar", "service", filter, Settings).Leading[0].Name);
        Assert.Equal("Resold (transacted) revenue", PipelineReports.ScorecardOf(Totals, "delta", "reseller", filter, Settings).Leading[0].Name);
        var cedar = PipelineReports.ScorecardOf(Totals, "cedar", "service", filter, Settings);
        Assert.Equal(180_000m, cedar.Leading[0].Value);
        Assert.Equal(2m, cedar.Leading[1].Value);
    }
}
