using System.Net;
using System.Text.Json;
using CoSellNet.Cli.App;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Protocol;

namespace CoSellNet.Client.Tests.Cli;

/// <summary><c>cosell pipeline …</c> parsed and run in-process against a stub node.</summary>
public sealed class PipelineCommandTests
{
    private const string Vendor = PipelineSamples.VendorId;

    [Fact]
    public async Task Revenue_sends_every_filter_and_prints_totals_then_partners()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.OK, PipelineSamples.Revenue())).Configured();

        var r = await cli.Run("pipeline", "revenue", "--from", "2026-01-01", "--to", "2026-03-31", "--partner", PipelineSamples.Cedar, "--type", "service",
            "--stage", "closed-won", "--currency", "eur", "--model", "time-decay", "--half-life-days", "45");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        var request = Assert.Single(cli.Node.Received);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal($"/api/v1/pipeline/revenue?from=2026-01-01&to=2026-03-31&partner={PipelineSamples.Cedar}&type=service&stage=closed-won&currency=EUR&model=time-decay&halfLifeDays=45",
            request.PathAndQuery);
        Assert.Contains("Model          linear", r.Out);
        Assert.Contains("Period         2026-01-01 to 2026-03-31 (Europe/Berlin)", r.Out);
        Assert.Contains("Conversion     All amounts are in USD; nothing was converted.", r.Out);
        Assert.Contains("Sourced        70,000.00", r.Out);
        Assert.Contains("Direct (mine)  30,000.00", r.Out);
        Assert.Contains("PARTNER                           TYPE      SOURCED    INFLUENCED  TRANSACTED", r.Out);
        Assert.Contains($"{PipelineSamples.Cedar}  service   40,000.00  30,000.00   0.00", r.Out);
        Assert.Contains("PARTNER TYPE  VALUE      CREDITS", r.Out);
    }

    [Fact]
    public async Task Csv_output_is_the_nodes_export_with_the_cli_line_ends()
    {
        var node = new StubNode().Text(HttpStatusCode.OK, PipelineSamples.RevenueCsv, "text/csv");
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("pipeline", "revenue", "--model", "linear", "-o", "csv");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal("/api/v1/pipeline/revenue?model=linear&format=csv", Assert.Single(cli.Node.Received).PathAndQuery);
        Assert.Equal(PipelineSamples.RevenueCsv.Replace("\r\n", "\n"), r.Out);
        Assert.Equal("# All amounts are in USD; nothing was converted.", r.Lines[^1]);
    }

    [Fact]
    public async Task Json_output_is_the_nodes_json()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.OK, PipelineSamples.Ropi())).Configured();

        var r = await cli.Run("pipeline", "ropi", "--model", "linear", "-o", "json");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal("/api/v1/pipeline/ropi?model=linear", Assert.Single(cli.Node.Received).PathAndQuery);
        using var json = JsonDocument.Parse(r.Out);
        Assert.Equal("linear", json.RootElement.GetProperty("model").GetString());
        Assert.Equal(2.6667m, json.RootElement.GetProperty("ropi").GetDecimal());
        Assert.Equal(3, json.RootElement.GetProperty("partners").GetArrayLength());
    }

    [Fact]
    public async Task Each_report_has_its_table()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, PipelineSamples.Ecosystem())
            .Json(HttpStatusCode.OK, PipelineSamples.Ropi())
            .Json(HttpStatusCode.OK, PipelineSamples.CoSell())
            .Json(HttpStatusCode.OK, new[] { PipelineSamples.Card(), PipelineSamples.Card(PipelineSamples.Delta, "reseller") });
        using var cli = new CliRun(node).Configured();

        var ecosystem = await cli.Run("pipeline", "ecosystem", "--stage", "propose");
        Assert.Equal(ExitCodes.Ok, ecosystem.ExitCode);
        Assert.Contains("Open value  200,000.00", ecosystem.Out);
        Assert.Contains("propose  200,000.00  1", ecosystem.Out);
        Assert.Contains("PARTNER TYPE  VALUE       ROOMS", ecosystem.Out);

        var ropi = await cli.Run("pipeline", "ropi");
        Assert.Contains("ROPI                2.6667", ropi.Out);
        Assert.Contains($"{PipelineSamples.Cedar}  service   70,000.00           10,000.00  6", ropi.Out);
        Assert.Contains("e0                                -         0.00                0.00       -", ropi.Out); // no cost: no ROPI

        var coSell = await cli.Run("pipeline", "co-sell", "--from", "2026-01-01");
        Assert.Contains("co-sold  2    1     0.6667    86              90,000.00", coSell.Out);
        Assert.Contains("direct   0    0     -         -               -", coSell.Out);

        var cards = await cli.Run("pipeline", "scorecards", "--type", "service");
        Assert.Contains($"{PipelineSamples.Cedar}  service   yes      Attached value of won deals            180,000.00 USD", cards.Out);
        Assert.Contains($"{PipelineSamples.Delta}  reseller  no       Resold (transacted) revenue            0.00 USD", cards.Out);
        Assert.Contains("Won deals taken part in (deployments)  2 deals", cards.Out);

        Assert.Equal(["/api/v1/pipeline/ecosystem?stage=propose", "/api/v1/pipeline/ropi", "/api/v1/pipeline/co-sell?from=2026-01-01", "/api/v1/pipeline/scorecards?type=service"],
            cli.Node.Received.Select(x => x.PathAndQuery));
    }

    [Fact]
    public async Task No_scorecards_says_why()
    {
        using var cli = new CliRun(new StubNode().RawJson(HttpStatusCode.OK, "[]")).Configured();

        var r = await cli.Run("pipeline", "scorecards");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.StartsWith("No partners in the selection", r.Out);
    }

    [Fact]
    public async Task A_partner_reads_its_own_scorecard_with_a_vendor()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, PipelineSamples.Card())
            .Text(HttpStatusCode.OK, "partner,partner-type,leading,metric,value,unit\r\nc0,service,yes,Attached value of won deals,180000,USD\r\n# All amounts are in USD; nothing was converted.\r\n", "text/csv");
        using var cli = new CliRun(node).Configured();

        var table = await cli.Run("pipeline", "scorecard", Vendor, "--model", "linear", "--to", "2026-03-31");
        var csv = await cli.Run("pipeline", "scorecard", Vendor, "-o", "csv");

        Assert.Equal(ExitCodes.Ok, table.ExitCode);
        Assert.Contains($"Partner     {PipelineSamples.Cedar}", table.Out);
        Assert.Contains("Attached value of won deals            180,000.00 USD  yes", table.Out);
        Assert.Contains("Resold (transacted) revenue            0.00 USD        no", table.Out);
        Assert.Equal("partner,partner-type,leading,metric,value,unit", csv.Lines[0]);
        Assert.Equal([$"/api/v1/pipeline/vendors/{Vendor}/scorecard?to=2026-03-31&model=linear", $"/api/v1/pipeline/vendors/{Vendor}/scorecard?format=csv"],
            cli.Node.Received.Select(x => x.PathAndQuery));
    }

    [Theory]
    [InlineData("'2026-13-01' is not a date for --from; use yyyy-MM-dd", "revenue", "--from", "2026-13-01")]
    [InlineData("--to (2026-01-01) is before --from (2026-02-01).", "ecosystem", "--from", "2026-02-01", "--to", "2026-01-01")]
    [InlineData("Argument 'won' not recognized. Must be one of:", "revenue", "--stage", "won")]
    [InlineData("'best' is not a valid model; use one of: sourced, first-touch, last-touch, linear, time-decay.", "revenue", "--model", "best")]
    [InlineData("'XYZ' is not a currency --currency takes", "co-sell", "--currency", "XYZ")]
    [InlineData("--half-life-days must be 1 to 3650 days.", "ropi", "--half-life-days", "0")]
    [InlineData("'wizard' is not a valid type", "scorecards", "--type", "wizard")]
    [InlineData("Unrecognized command or argument '--partner'", "co-sell", "--partner", "x")]
    public async Task Bad_options_are_usage_errors_and_nothing_is_sent(string message, params string[] args)
    {
        using var cli = new CliRun().Configured();

        var r = await cli.Run(["pipeline", .. args]);

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains(message, r.Error);
        Assert.Empty(cli.Node.Received);
    }

    [Theory]
    [InlineData(403, ExitCodes.Auth)]
    [InlineData(400, ExitCodes.Usage)]
    public async Task Node_refusals_of_a_csv_export_are_reported_like_any_other(int status, int exitCode)
    {
        var node = new StubNode().Problem(status, "Refused", "Pipeline reports are a vendor's view of its ecosystem.", ""","errors":{"currency":["No exchange rate for EUR is set."]}""");
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("pipeline", "co-sell", "-o", "csv");

        Assert.Equal(exitCode, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Contains($"error: Refused ({status})", r.Error);
        Assert.Contains("  currency: No exchange rate for EUR is set.", r.Error);
    }

    [Fact]
    public async Task Costs_add_posts_the_cost_and_list_walks_every_page()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.Created, PipelineSamples.Cost())
            .Json(HttpStatusCode.OK, new Page<PartnerCost>([PipelineSamples.Cost("a1", 100m, new DateOnly(2026, 1, 1))], "next"))
            .Json(HttpStatusCode.OK, new Page<PartnerCost>([PipelineSamples.Cost("a2", 200m, new DateOnly(2026, 1, 2))], null));
        using var cli = new CliRun(node).Configured();

        var added = await cli.Run("pipeline", "costs", "add", "--partner", PipelineSamples.Cedar, "--kind", "mdf", "--amount", "1500.50", "--currency", "usd",
            "--date", "2026-02-01", "--note", "Q1 campaign");
        var listed = await cli.Run("pipeline", "costs", "list", "-o", "csv");

        Assert.Equal(ExitCodes.Ok, added.ExitCode);
        var post = cli.Node.Received[0];
        Assert.Equal((HttpMethod.Post, "/api/v1/pipeline/costs"), (post.Method, post.PathAndQuery));
        Assert.Equal($$"""{"partnerId":"{{PipelineSamples.Cedar}}","kind":"mdf","amount":1500.50,"currency":"USD","date":"2026-02-01","note":"Q1 campaign"}""", post.Body);
        Assert.Contains("Amount    1,500.50", added.Out);
        Assert.Contains("Recorded  2026-02-02 10:00:00Z", added.Out);

        Assert.Equal(ExitCodes.Ok, listed.ExitCode);
        Assert.Equal(["/api/v1/pipeline/costs?limit=500", "/api/v1/pipeline/costs?cursor=next&limit=500"], cli.Node.Received.Skip(1).Select(x => x.PathAndQuery));
        Assert.Equal("Date,Partner,Kind,Amount,Currency,Note,Id", listed.Lines[0]);
        Assert.Equal($"2026-01-01,{PipelineSamples.Cedar},mdf,100.00,USD,Q1 campaign,a1", listed.Lines[1]);
        Assert.Equal(3, listed.Lines.Length);
    }

    [Theory]
    [InlineData("Option '--kind' is required.", "--partner", "p", "--amount", "1", "--currency", "USD")]
    [InlineData("Argument 'bribe' not recognized. Must be one of:", "--partner", "p", "--kind", "bribe", "--amount", "1", "--currency", "USD")]
    [InlineData("--amount must be more than 0.", "--partner", "p", "--kind", "mdf", "--amount", "-5", "--currency", "USD")]
    [InlineData("'2026-02-30' is not a date for --date", "--partner", "p", "--kind", "mdf", "--amount", "5", "--currency", "USD", "--date", "2026-02-30")]
    public async Task Costs_add_checks_its_options(string message, params string[] args)
    {
        using var cli = new CliRun().Configured();

        var r = await cli.Run(["pipeline", "costs", "add", .. args]);

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains(message, r.Error);
        Assert.Empty(cli.Node.Received);
    }

    [Fact]
    public async Task Empty_costs_say_how_to_add_one()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.OK, new Page<PartnerCost>([], null))).Configured();

        var r = await cli.Run("pipeline", "costs", "list");

        Assert.Equal("No partner costs yet. Record one with 'cosell pipeline costs add'.", r.Out.Trim());
    }

    [Fact]
    public async Task Settings_get_and_set_changes_only_what_is_given()
    {
        var changed = PipelineSamples.Settings() with { TimeZone = "Europe/Berlin", Rates = new Dictionary<string, decimal> { ["GBP"] = 1.25m, ["EUR"] = 1.08m } };
        var node = new StubNode()
            .Json(HttpStatusCode.OK, PipelineSamples.Settings())
            .Json(HttpStatusCode.OK, PipelineSamples.Settings())
            .Json(HttpStatusCode.OK, changed);
        using var cli = new CliRun(node).Configured();

        var get = await cli.Run("pipeline", "settings", "get");
        var set = await cli.Run("pipeline", "settings", "set", "--time-zone", "Europe/Berlin", "--rate", "eur=1.08");

        Assert.Equal(ExitCodes.Ok, get.ExitCode);
        Assert.Contains("Time zone       UTC", get.Out);
        Assert.Contains("Rates           GBP=1.25", get.Out);
        Assert.Contains("Rates set       2026-01-05 08:00:00Z", get.Out);
        Assert.Equal(ExitCodes.Ok, set.ExitCode);
        var put = cli.Node.Received[2];
        Assert.Equal((HttpMethod.Put, "/api/v1/pipeline/settings"), (put.Method, put.PathAndQuery));
        Assert.Equal("""{"timeZone":"Europe/Berlin","baseCurrency":"USD","rates":{"GBP":1.25,"EUR":1.08},"halfLifeDays":30,"ratesAsOf":null}""", put.Body);
        Assert.Contains("Rates           EUR=1.08, GBP=1.25", set.Out);
    }

    [Fact]
    public async Task Settings_set_can_clear_rates_and_refuses_nothing_or_a_bad_rate()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, PipelineSamples.Settings());
        using var cli = new CliRun(node).Configured();

        var nothing = await cli.Run("pipeline", "settings", "set");
        var bad = await cli.Run("pipeline", "settings", "set", "--rate", "EUR=abc");
        var zero = await cli.Run("pipeline", "settings", "set", "--rate", "EUR=0");
        Assert.Equal((ExitCodes.Usage, ExitCodes.Usage, ExitCodes.Usage), (nothing.ExitCode, bad.ExitCode, zero.ExitCode));
        Assert.Contains("Nothing to change", nothing.Error);
        Assert.Contains("'EUR=abc' is not a rate; use CODE=RATE", bad.Error);
        Assert.Empty(cli.Node.Received);

        var cleared = await cli.Run("pipeline", "settings", "set", "--clear-rates", "--half-life-days", "60", "--base-currency", "eur");
        Assert.Equal(ExitCodes.Ok, cleared.ExitCode);
        Assert.Equal("""{"timeZone":"UTC","baseCurrency":"EUR","rates":{},"halfLifeDays":60,"ratesAsOf":null}""", cli.Node.Received[1].Body);
    }
}
