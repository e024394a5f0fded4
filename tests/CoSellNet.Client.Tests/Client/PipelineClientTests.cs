using System.Net;
using System.Text;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Protocol;

namespace CoSellNet.Client.Tests.Client;

/// <summary>The pipeline methods of the client: query strings, reports, CSV exports, costs and settings.</summary>
public sealed class PipelineClientTests
{
    [Fact]
    public async Task A_query_becomes_the_nodes_query_string_with_wire_names()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, PipelineSamples.Revenue());
        using var client = node.Client();

        var report = await client.GetRevenueAsync(new PipelineQuery
        {
            From = new DateOnly(2026, 1, 1), To = new DateOnly(2026, 3, 31), PartnerId = "a b", PartnerType = PartnerType.Service,
            Stage = "closed-won", Currency = "EUR", Model = AttributionModel.FirstTouch, HalfLifeDays = 14,
        });
        await client.GetRevenueAsync();

        Assert.Equal("/api/v1/pipeline/revenue?from=2026-01-01&to=2026-03-31&partner=a%20b&type=service&stage=closed-won&currency=EUR&model=first-touch&halfLifeDays=14",
            node.Received[0].PathAndQuery);
        Assert.Equal("/api/v1/pipeline/revenue", node.Received[1].PathAndQuery);
        Assert.Equal(AttributionModel.Linear, report.Model);
        Assert.Equal(new PartnerRevenue(PipelineSamples.Cedar, "service", 40_000m, 30_000m, 0m), report.Partners[0]);
    }

    [Fact]
    public async Task Every_report_has_its_route()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, PipelineSamples.Ecosystem())
            .Json(HttpStatusCode.OK, PipelineSamples.Ropi())
            .Json(HttpStatusCode.OK, PipelineSamples.CoSell())
            .Json(HttpStatusCode.OK, new[] { PipelineSamples.Card() })
            .Json(HttpStatusCode.OK, PipelineSamples.Card());
        using var client = node.Client();
        var q = new PipelineQuery { Stage = "propose" };

        Assert.Equal(200_000m, (await client.GetEcosystemPipelineAsync(q)).Total);
        Assert.Null((await client.GetRopiAsync(q)).Partners[2].Ropi);
        Assert.Null((await client.GetCoSellAsync(q)).Direct.WinRate);
        Assert.Equal("Attached value of won deals", (await client.GetScorecardsAsync(q)).Single().Leading[0].Name);
        Assert.Equal(PipelineSamples.Cedar, (await client.GetMyScorecardAsync("v/1", q)).PartnerId);

        Assert.Equal(["/api/v1/pipeline/ecosystem?stage=propose", "/api/v1/pipeline/ropi?stage=propose", "/api/v1/pipeline/co-sell?stage=propose",
            "/api/v1/pipeline/scorecards?stage=propose", "/api/v1/pipeline/vendors/v%2F1/scorecard?stage=propose"], node.Received.Select(r => r.PathAndQuery));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetMyScorecardAsync(" "));
    }

    [Fact]
    public async Task Csv_exports_come_as_a_string_or_into_a_stream()
    {
        var node = new StubNode().Text(HttpStatusCode.OK, PipelineSamples.RevenueCsv, "text/csv");
        using var client = node.Client();

        var text = await client.ExportPipelineCsvAsync(PipelineReport.Revenue, new PipelineQuery { Model = AttributionModel.Linear });
        using var stream = new MemoryStream();
        await client.ExportPipelineCsvAsync(PipelineReport.CoSell, stream);
        var mine = await client.ExportMyScorecardCsvAsync("v1", new PipelineQuery { From = new DateOnly(2026, 4, 1) });

        Assert.Equal(PipelineSamples.RevenueCsv, text);
        Assert.Equal(PipelineSamples.RevenueCsv, Encoding.UTF8.GetString(stream.ToArray()));
        Assert.Equal(PipelineSamples.RevenueCsv, mine);
        Assert.Equal(["/api/v1/pipeline/revenue?model=linear&format=csv", "/api/v1/pipeline/co-sell?format=csv", "/api/v1/pipeline/vendors/v1/scorecard?from=2026-04-01&format=csv"],
            node.Received.Select(r => r.PathAndQuery));
        Assert.All(node.Received, r => Assert.Equal("Bearer " + Keys.Partner, r.Authorization));
    }

    [Fact]
    public async Task A_refused_export_throws_the_nodes_problem_and_a_non_csv_answer_says_so()
    {
        var node = new StubNode()
            .Problem(400, "The request is not valid", "currency: No exchange rate for EUR is set.", ""","errors":{"currency":["No exchange rate for EUR is set."]}""")
            .Text(HttpStatusCode.OK, "<html>login</html>", "text/html");
        using var client = node.Client();

        var refused = await Assert.ThrowsAsync<CoSellNetApiException>(() => client.ExportPipelineCsvAsync(PipelineReport.Ropi));
        Assert.Equal(400, refused.Status);
        Assert.Equal(["No exchange rate for EUR is set."], refused.Errors["currency"]);
        var html = await Assert.ThrowsAsync<CoSellNetException>(() => client.ExportPipelineCsvAsync(PipelineReport.Ecosystem));
        Assert.Contains("answered with text/html, not CSV", html.Message);
    }

    [Fact]
    public async Task Costs_and_settings()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.Created, PipelineSamples.Cost())
            .Json(HttpStatusCode.OK, new Page<PartnerCost>([PipelineSamples.Cost("a")], "c1"))
            .Json(HttpStatusCode.OK, new Page<PartnerCost>([PipelineSamples.Cost("b")], null))
            .Json(HttpStatusCode.OK, PipelineSamples.Settings())
            .Json(HttpStatusCode.OK, PipelineSamples.Settings());
        using var client = node.Client();

        var cost = await client.AddPartnerCostAsync(new PartnerCostRequest(PipelineSamples.Cedar, "mdf", 1500.5m, "USD", new DateOnly(2026, 2, 1)));
        var all = new List<PartnerCost>();
        await foreach (var c in client.ListAllPartnerCostsAsync()) all.Add(c);
        var settings = await client.GetPipelineSettingsAsync();
        await client.SetPipelineSettingsAsync(settings with { TimeZone = "Asia/Tokyo" });

        Assert.Equal(1500.5m, cost.Amount);
        Assert.Equal(["a", "b"], all.Select(c => c.Id));
        Assert.Equal(1.25m, settings.Rates!["GBP"]);
        var put = node.Received[^1];
        Assert.Equal((HttpMethod.Put, "/api/v1/pipeline/settings"), (put.Method, put.PathAndQuery));
        Assert.Equal("""{"timeZone":"Asia/Tokyo","baseCurrency":"USD","rates":{"GBP":1.25},"halfLifeDays":30,"ratesAsOf":null}""", put.Body);
        Assert.Equal("/api/v1/pipeline/costs?cursor=c1&limit=500", node.Received[2].PathAndQuery);
    }
}
