using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CoSellNet.Protocol;
using CoSellNet.Silo.Pipeline;

namespace CoSellNet.Api.Tests;

/// <summary>
/// The vendor pipeline over HTTP on a real node and PostgreSQL. Room facts go in through the
/// pipeline grain (<see cref="PipelineFeed"/>: rooms are not wired to it yet); every figure comes
/// out of the REST endpoints.
/// </summary>
[Collection(NetworkCollection.Name)]
public sealed class PipelineTests(Network network)
{
    private static async Task<T> Ok<T>(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, Network.Json)!;
    }

    private static async Task<T> Get<T>(Member member, string url) => await Ok<T>(await member.Http.GetAsync(url));

    private static PartnerRevenue Of(RevenueReport r, Member partner) => r.Partners.Single(p => p.PartnerId == partner.Id);

    private static async Task<PartnerCost> AddCost(Member vendor, PartnerCostRequest cost)
    {
        var response = await vendor.Http.PostAsJsonAsync(Routes.PipelineCosts, cost, Network.Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await Ok<PartnerCost>(response);
    }

    private static async Task<PipelineSettings> PutSettings(Member vendor, PipelineSettings settings) =>
        await Ok<PipelineSettings>(await vendor.Http.PutAsJsonAsync(Routes.PipelineSettings, settings, Network.Json));

    [Theory]
    //                               sourced    influenced transacted direct
    [InlineData("sourced", 180_000, 0, 0, 30_000)]
    [InlineData("first-touch", 180_000, 0, 0, 30_000)]
    [InlineData("last-touch", 0, 60_000, 120_000, 30_000)]
    [InlineData("linear", 70_000, 70_000, 40_000, 30_000)]
    [InlineData("time-decay", 33_798.36, 73_360.70, 72_840.94, 30_000)]
    public async Task Revenue_gives_the_readme_figures_under_each_model(string model, double sourced, double influenced, double transacted, double direct)
    {
        var x = await WorkedExample.Create(network);

        var r = await Get<RevenueReport>(x.Vendor, $"{Routes.PipelineRevenue}?model={model}");

        Assert.Equal((decimal)sourced, r.Sourced);
        Assert.Equal((decimal)influenced, r.Influenced);
        Assert.Equal((decimal)transacted, r.Transacted);
        Assert.Equal((decimal)direct, r.Direct);
        Assert.Equal(210_000m, r.Sourced + r.Influenced + r.Transacted + r.Direct);
        Assert.Equal(model == "time-decay" ? 30 : null, r.HalfLifeDays);
        Assert.Equal(new ReportBasis("USD", null, null, "UTC", "All amounts are in USD; nothing was converted."), r.Basis);
    }

    [Fact]
    public async Task The_readme_worked_example_figure_by_figure()
    {
        var x = await WorkedExample.Create(network);

        // Linear, per partner; sourced is the default model.
        var linear = await Get<RevenueReport>(x.Vendor, $"{Routes.PipelineRevenue}?model=linear");
        Assert.Equal(AttributionModel.Linear, linear.Model);
        Assert.Equal(new PartnerRevenue(x.Cedar.Id, "service", 40_000m, 30_000m, 0m), Of(linear, x.Cedar));
        Assert.Equal(new PartnerRevenue(x.Bluefin.Id, "technology", 30_000m, 40_000m, 0m), Of(linear, x.Bluefin));
        Assert.Equal(new PartnerRevenue(x.Delta.Id, "reseller", 0m, 0m, 40_000m), Of(linear, x.Delta));
        Assert.Equal(AttributionModel.Sourced, (await Get<RevenueReport>(x.Vendor, Routes.PipelineRevenue)).Model);

        // ROPI under linear with the README's costs.
        await AddCost(x.Vendor, new PartnerCostRequest(x.Cedar.Id, "mdf", 10_000m, "USD", new DateOnly(2026, 2, 1)));
        await AddCost(x.Vendor, new PartnerCostRequest(x.Bluefin.Id, "enablement", 5_000m, "USD", new DateOnly(2026, 2, 1)));
        await AddCost(x.Vendor, new PartnerCostRequest(x.Delta.Id, "rebates", 20_000m, "USD", new DateOnly(2026, 2, 1), "Q1 rebate"));
        var ropi = await Get<RopiReport>(x.Vendor, $"{Routes.PipelineRopi}?model=linear");
        Assert.Equal([(x.Bluefin.Id, 13m), (x.Cedar.Id, 6m), (x.Delta.Id, 1m)], ropi.Partners.Select(p => (p.PartnerId, p.Ropi!.Value)));
        Assert.Equal(new PartnerRopi(x.Bluefin.Id, "technology", 70_000m, 5_000m, 13m), ropi.Partners[0]);
        Assert.Equal(180_000m, ropi.AttributedRevenue);
        Assert.Equal(35_000m, ropi.Cost);
        Assert.Equal(4.1429m, ropi.Ropi);

        // Co-sold against direct.
        var coSell = await Get<CoSellReport>(x.Vendor, Routes.PipelineCoSell);
        Assert.Equal(new Cohort(2, 1, 0.6667m, 86.0m, 90_000m), coSell.CoSold);
        Assert.Equal(new Cohort(1, 0, 1m, 50.0m, 30_000m), coSell.Direct);

        // The ecosystem pipeline: 200,000 open in room E.
        var ecosystem = await Get<EcosystemPipelineReport>(x.Vendor, Routes.PipelineEcosystem);
        Assert.Equal(200_000m, ecosystem.Total);
        Assert.Equal(1, ecosystem.Rooms);
        Assert.Equal([new Breakdown("propose", 200_000m, 1)], ecosystem.ByStage);
        Assert.Equal(new[] { x.Bluefin.Id, x.Cedar.Id }.Order(StringComparer.Ordinal), ecosystem.ByPartner.Select(b => b.Key).Order(StringComparer.Ordinal));
        Assert.All(ecosystem.ByPartner, b => Assert.Equal(200_000m, b.Value));
        Assert.Equal(["service", "technology"], ecosystem.ByPartnerType.Select(b => b.Key).Order(StringComparer.Ordinal));

        // Scorecards lead with what fits each partner's type.
        var cards = await Get<List<Scorecard>>(x.Vendor, $"{Routes.PipelineScorecards}?model=linear");
        Assert.Equal(new[] { x.Bluefin.Id, x.Cedar.Id, x.Delta.Id }.Order(StringComparer.Ordinal), cards.Select(c => c.PartnerId));
        var cedar = cards.Single(c => c.PartnerId == x.Cedar.Id);
        Assert.Equal(("Attached value of won deals", 180_000m), (cedar.Leading[0].Name, cedar.Leading[0].Value));
        Assert.Equal(("Won deals taken part in (deployments)", 2m), (cedar.Leading[1].Name, cedar.Leading[1].Value));
        var delta = cards.Single(c => c.PartnerId == x.Delta.Id);
        Assert.Equal(("Resold (transacted) revenue", 40_000m), (delta.Leading[0].Name, delta.Leading[0].Value));
        var bluefin = cards.Single(c => c.PartnerId == x.Bluefin.Id);
        Assert.Equal(["Sourced revenue", "Influenced revenue", "Open ecosystem pipeline taken part in"], bluefin.Leading.Select(m => m.Name));
        Assert.Equal([30_000m, 40_000m, 200_000m], bluefin.Leading.Select(m => m.Value));
        // No partner is ranked on what it does not do: resold revenue never leads a non-reseller's card.
        Assert.All(cards.Where(c => c.PartnerType != "reseller"), c => Assert.DoesNotContain(c.Leading, m => m.Name.StartsWith("Resold", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Time_decay_takes_a_half_life_per_query_and_the_vendors_default_otherwise()
    {
        var x = await WorkedExample.Create(network);

        var thirty = await Get<RevenueReport>(x.Vendor, $"{Routes.PipelineRevenue}?model=time-decay&halfLifeDays=30");
        var sixty = await Get<RevenueReport>(x.Vendor, $"{Routes.PipelineRevenue}?model=time-decay&halfLifeDays=60");
        Assert.Equal(33_798.36m, thirty.Sourced);
        Assert.Equal(60, sixty.HalfLifeDays);
        Assert.True(sixty.Sourced > thirty.Sourced, "a longer half-life gives early (sourced) touches more credit");
        Assert.Equal(210_000m, sixty.Sourced + sixty.Influenced + sixty.Transacted + sixty.Direct);

        // The vendor's default half-life is what time-decay uses when the query names none.
        await PutSettings(x.Vendor, new PipelineSettings(HalfLifeDays: 60));
        var byDefault = await Get<RevenueReport>(x.Vendor, $"{Routes.PipelineRevenue}?model=time-decay");
        Assert.Equal((60, sixty.Sourced, sixty.Influenced, sixty.Transacted), (byDefault.HalfLifeDays!.Value, byDefault.Sourced, byDefault.Influenced, byDefault.Transacted));
    }

    [Fact]
    public async Task A_period_is_a_date_range_in_the_vendors_time_zone()
    {
        var vendor = await network.AddPartner("Zonal", PartnerType.Vendor);
        var partner = await network.AddPartner("Late Closer", PartnerType.Referral);
        var feed = new PipelineFeed(network, vendor.Id);
        // Won at 23:30 UTC on 31 March: 1 April, 01:30 in Berlin.
        await feed.Send(feed.Room("late", PipelineFeed.Day(3, 1), RoomFacts.ClosedWon, 1_000m) with
        {
            ClosedAt = PipelineFeed.Day(3, 31, 23, 30),
            Partners = [new(partner.Id, "referral")],
            Touches = [new(partner.Id, "sourced", PipelineFeed.Day(3, 2))],
        });

        async Task<(decimal Revenue, long Won)> On(string date)
        {
            var revenue = await Get<RevenueReport>(vendor, $"{Routes.PipelineRevenue}?from={date}&to={date}");
            var coSell = await Get<CoSellReport>(vendor, $"{Routes.PipelineCoSell}?from={date}&to={date}");
            return (revenue.Sourced, coSell.CoSold.Won);
        }

        Assert.Equal((1_000m, 1L), await On("2026-03-31"));
        Assert.Equal((0m, 0L), await On("2026-04-01"));

        var settings = await PutSettings(vendor, new PipelineSettings("Europe/Berlin"));
        Assert.Equal("Europe/Berlin", settings.TimeZone);
        Assert.Equal("Europe/Berlin", (await Get<PipelineSettings>(vendor, Routes.PipelineSettings)).TimeZone);

        Assert.Equal((0m, 0L), await On("2026-03-31"));
        Assert.Equal((1_000m, 1L), await On("2026-04-01"));
        var basis = (await Get<RevenueReport>(vendor, $"{Routes.PipelineRevenue}?from=2026-04-01&to=2026-04-30")).Basis;
        Assert.Equal((new DateOnly(2026, 4, 1), new DateOnly(2026, 4, 30), "Europe/Berlin"), (basis.From!.Value, basis.To!.Value, basis.TimeZone));
    }

    [Fact]
    public async Task Filters_by_period_partner_type_and_stage()
    {
        var x = await WorkedExample.Create(network);
        // A second open ecosystem room, negotiating, with Bluefin and Delta.
        await x.Feed.Send(x.Feed.Room("F", PipelineFeed.Day(5, 1), "negotiate", 80_000m) with { CloseDate = new DateOnly(2026, 7, 15), Partners = [x.B, x.D] });

        var all = await Get<EcosystemPipelineReport>(x.Vendor, Routes.PipelineEcosystem);
        Assert.Equal((280_000m, 2L), (all.Total, all.Rooms));
        Assert.Equal([new Breakdown("propose", 200_000m, 1), new Breakdown("negotiate", 80_000m, 1)], all.ByStage);
        Assert.Equal(new Breakdown(x.Bluefin.Id, 280_000m, 2), all.ByPartner[0]);

        var negotiating = await Get<EcosystemPipelineReport>(x.Vendor, $"{Routes.PipelineEcosystem}?stage=negotiate");
        Assert.Equal((80_000m, 1L), (negotiating.Total, negotiating.Rooms));
        var delta = await Get<EcosystemPipelineReport>(x.Vendor, $"{Routes.PipelineEcosystem}?partner={x.Delta.Id}");
        Assert.Equal((80_000m, 1L), (delta.Total, delta.Rooms));
        Assert.Equal([x.Delta.Id], delta.ByPartner.Select(b => b.Key));
        var service = await Get<EcosystemPipelineReport>(x.Vendor, $"{Routes.PipelineEcosystem}?type=service");
        Assert.Equal((200_000m, 1L), (service.Total, service.Rooms));
        var july = await Get<EcosystemPipelineReport>(x.Vendor, $"{Routes.PipelineEcosystem}?from=2026-07-01&to=2026-07-31");
        Assert.Equal((80_000m, 1L), (july.Total, july.Rooms)); // by expected close date: E closes 30 June

        // A room with two partners of one type counts once for that type.
        var cypress = await network.AddPartner("Cypress", PartnerType.Service);
        await x.Feed.Send(x.Feed.Room("G", PipelineFeed.Day(5, 2), "develop", 40_000m) with { Partners = [x.C, new(cypress.Id, "service")] });
        var services = await Get<EcosystemPipelineReport>(x.Vendor, $"{Routes.PipelineEcosystem}?type=service");
        Assert.Equal((240_000m, 2L), (services.Total, services.Rooms));
        Assert.Equal([new Breakdown("service", 240_000m, 2)], services.ByPartnerType);
        Assert.Equal([new Breakdown(x.Cedar.Id, 240_000m, 2), new Breakdown(cypress.Id, 40_000m, 1)], services.ByPartner);
        var byType = (await Get<EcosystemPipelineReport>(x.Vendor, Routes.PipelineEcosystem)).ByPartnerType;
        Assert.Equal([new Breakdown("technology", 280_000m, 2), new Breakdown("service", 240_000m, 2), new Breakdown("reseller", 80_000m, 1)], byType);

        // Revenue: one partner's credits, no direct share; one type; a period.
        var cedar = await Get<RevenueReport>(x.Vendor, $"{Routes.PipelineRevenue}?model=linear&partner={x.Cedar.Id}");
        Assert.Equal((40_000m, 30_000m, 0m, 0m), (cedar.Sourced, cedar.Influenced, cedar.Transacted, cedar.Direct));
        Assert.Equal([x.Cedar.Id], cedar.Partners.Select(p => p.PartnerId));
        var resellers = await Get<RevenueReport>(x.Vendor, $"{Routes.PipelineRevenue}?model=linear&type=reseller");
        Assert.Equal((0m, 0m, 40_000m), (resellers.Sourced, resellers.Influenced, resellers.Transacted));
        Assert.Equal([new Breakdown("reseller", 40_000m, 1)], resellers.ByPartnerType);
        var april = await Get<RevenueReport>(x.Vendor, $"{Routes.PipelineRevenue}?from=2026-04-01&to=2026-04-30");
        Assert.Equal((60_000m, 30_000m), (april.Sourced, april.Direct)); // B (Bluefin sourced) and C (direct)
        Assert.Equal([x.Bluefin.Id], april.Partners.Select(p => p.PartnerId));
        var march = await Get<RevenueReport>(x.Vendor, $"{Routes.PipelineRevenue}?to=2026-03-31");
        Assert.Equal((120_000m, 0m), (march.Sourced, march.Direct));

        // Revenue is closed-won by definition: stage=closed-won changes nothing, an open stage has none.
        var won = await Get<RevenueReport>(x.Vendor, $"{Routes.PipelineRevenue}?model=linear&stage=closed-won");
        Assert.Equal((70_000m, 70_000m, 40_000m, 30_000m), (won.Sourced, won.Influenced, won.Transacted, won.Direct));
        var proposing = await Get<RevenueReport>(x.Vendor, $"{Routes.PipelineRevenue}?model=linear&stage=propose");
        Assert.Equal(0m, proposing.Sourced + proposing.Influenced + proposing.Transacted + proposing.Direct);

        // ROPI and scorecards take the same filters.
        await AddCost(x.Vendor, new PartnerCostRequest(x.Cedar.Id, "mdf", 10_000m, "USD", new DateOnly(2026, 2, 1)));
        await AddCost(x.Vendor, new PartnerCostRequest(x.Cedar.Id, "mdf", 5_000m, "USD", new DateOnly(2026, 6, 1)));
        var cedarRopi = await Get<RopiReport>(x.Vendor, $"{Routes.PipelineRopi}?model=linear&partner={x.Cedar.Id}&to=2026-03-31");
        // Until 31 March: room A only (Cedar 40,000 sourced), and the February cost.
        Assert.Equal(new PartnerRopi(x.Cedar.Id, "service", 40_000m, 10_000m, 3m), Assert.Single(cedarRopi.Partners));
        var serviceCards = await Get<List<Scorecard>>(x.Vendor, $"{Routes.PipelineScorecards}?type=service");
        Assert.Equal(new[] { x.Cedar.Id, cypress.Id }.Order(StringComparer.Ordinal), serviceCards.Select(c => c.PartnerId));
        var one = await Get<List<Scorecard>>(x.Vendor, $"{Routes.PipelineScorecards}?partner={x.Delta.Id}&stage=closed-won&model=linear");
        Assert.Equal(40_000m, Assert.Single(one).Leading[0].Value);
    }

    [Fact]
    public async Task Reports_convert_into_one_currency_with_the_vendors_rates_and_say_so()
    {
        var vendor = await network.AddPartner("Multi Currency", PartnerType.Vendor);
        var p = await network.AddPartner("Euro Partner", PartnerType.Technology);
        var q = await network.AddPartner("Dollar Partner", PartnerType.Service);
        var feed = new PipelineFeed(network, vendor.Id);
        RoomFacts Won(string id, decimal amount, string currency, Member partner, string kind) =>
            feed.Room(id, PipelineFeed.Day(4, 1), RoomFacts.ClosedWon, amount, currency) with
            {
                ClosedAt = PipelineFeed.Day(5, 10),
                Partners = [new(partner.Id, partner == p ? "technology" : "service")],
                Touches = [new(partner.Id, kind, PipelineFeed.Day(4, 2))],
            };
        await feed.Send(Won("eur", 100_000m, "EUR", p, "sourced"));
        await feed.Send(Won("usd", 50_000m, "USD", q, "sourced"));

        // No rate for EUR yet: a 400 naming the currency.
        var missing = await Problem.Expect(await vendor.Http.GetAsync(Routes.PipelineRevenue), HttpStatusCode.BadRequest);
        Assert.True(missing.HasError("currency"));
        Assert.Contains("No exchange rate for EUR", missing.Detail());

        var settings = await PutSettings(vendor, new PipelineSettings(Rates: new Dictionary<string, decimal> { ["EUR"] = 1.08m }));
        Assert.Equal(1.08m, settings.Rates!["EUR"]);
        Assert.NotNull(settings.RatesAsOf);
        var asOf = settings.RatesAsOf!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        var usd = await Get<RevenueReport>(vendor, Routes.PipelineRevenue);
        Assert.Equal(158_000m, usd.Sourced);
        Assert.Equal(108_000m, Of(usd, p).Sourced);
        Assert.Equal("USD", usd.Basis.Currency);
        Assert.Equal($"Converted to USD with the vendor's rates set {asOf}: 1 EUR = 1.08 USD; rounded to 2 decimals, half away from zero, after summing.", usd.Basis.Conversion);

        var eur = await Get<RevenueReport>(vendor, $"{Routes.PipelineRevenue}?currency=EUR");
        Assert.Equal((100_000m, 46_296.30m), (Of(eur, p).Sourced, Of(eur, q).Sourced));
        Assert.Equal(146_296.30m, eur.Sourced); // summed per currency, converted, then rounded once
        Assert.Equal($"Converted to EUR with the vendor's rates set {asOf}: 1 USD = 0.925926 EUR; rounded to 2 decimals, half away from zero, after summing.", eur.Basis.Conversion);

        // A cost in EUR is converted too: (108,000 − 10,800) / 10,800 = 9.
        await AddCost(vendor, new PartnerCostRequest(p.Id, "mdf", 10_000m, "EUR", new DateOnly(2026, 4, 1)));
        var ropi = await Get<RopiReport>(vendor, Routes.PipelineRopi);
        Assert.Equal(new PartnerRopi(p.Id, "technology", 108_000m, 10_800m, 9m), ropi.Partners.Single(r => r.PartnerId == p.Id));

        // A room in yen: every report over it needs a JPY rate, and says which is missing.
        await feed.Send(Won("jpy", 1_000_000m, "JPY", p, "influenced"));
        foreach (var url in new[] { Routes.PipelineRevenue, Routes.PipelineRopi, Routes.PipelineCoSell, $"{Routes.PipelineRevenue}?currency=JPY" })
        {
            var problem = await Problem.Expect(await vendor.Http.GetAsync(url), HttpStatusCode.BadRequest);
            Assert.True(problem.HasError("currency"), url);
            Assert.Contains("No exchange rate for JPY", problem.Detail());
            Assert.DoesNotContain("amounts in JPY cannot be reported in JPY", problem.Detail());
        }
        // A partner's own scorecard depends on its own deals only: Q's are in USD.
        var qCard = await Get<Scorecard>(q, Routes.PipelineScorecard(vendor.Id));
        Assert.Equal("All amounts are in USD; nothing was converted.", qCard.Basis.Conversion);
        Assert.Equal(50_000m, qCard.Leading[0].Value); // attached value, Q being a service partner
        await PutSettings(vendor, new PipelineSettings(Rates: new Dictionary<string, decimal> { ["EUR"] = 1.08m, ["JPY"] = 0.0067m }));
        var withYen = await Get<RevenueReport>(vendor, $"{Routes.PipelineRevenue}?model=linear");
        Assert.Equal((158_000m, 6_700m), (withYen.Sourced, withYen.Influenced));
        // Under the sourced model a deal with no sourced touch is the vendor's own.
        Assert.Equal(6_700m, (await Get<RevenueReport>(vendor, Routes.PipelineRevenue)).Direct);
        Assert.Contains("1 JPY = 0.0067 USD", withYen.Basis.Conversion);
        var coSell = await Get<CoSellReport>(vendor, Routes.PipelineCoSell);
        Assert.Equal((3L, Math.Round((108_000m + 50_000m + 6_700m) / 3, 2)), (coSell.CoSold.Won, coSell.CoSold.AverageDealValue!.Value));
    }

    [Fact]
    public async Task Bad_parameters_are_a_400_naming_each_field()
    {
        var x = await WorkedExample.Create(network);

        var everything = await Problem.Expect(await x.Vendor.Http.GetAsync(
            $"{Routes.PipelineRevenue}?from=2026-02-30&to=yesterday&stage=won&currency=XYZ&model=best&halfLifeDays=0&format=xml&type=wizard"), HttpStatusCode.BadRequest);
        foreach (var field in new[] { "from", "to", "stage", "currency", "model", "halfLifeDays", "format", "type" })
            Assert.True(everything.HasError(field), $"{field}: {everything}");
        Assert.Contains("use yyyy-MM-dd", everything.Detail());
        Assert.Contains("sourced, first-touch, last-touch, linear, time-decay", everything.Detail());

        var reversed = await Problem.Expect(await x.Vendor.Http.GetAsync($"{Routes.PipelineEcosystem}?from=2026-05-01&to=2026-04-01"), HttpStatusCode.BadRequest);
        Assert.True(reversed.HasError("to"));
        Assert.True((await Problem.Expect(await x.Vendor.Http.GetAsync($"{Routes.PipelineRevenue}?halfLifeDays=abc"), HttpStatusCode.BadRequest)).HasError("halfLifeDays"));
        Assert.True((await Problem.Expect(await x.Vendor.Http.GetAsync($"{Routes.PipelineRevenue}?halfLifeDays=3651"), HttpStatusCode.BadRequest)).HasError("halfLifeDays"));
        foreach (var url in new[] { Routes.PipelineEcosystem, Routes.PipelineRopi, Routes.PipelineCoSell, Routes.PipelineScorecards, Routes.PipelineScorecard(x.Vendor.Id) })
        {
            var member = url.Contains("/vendors/", StringComparison.Ordinal) ? x.Cedar : x.Vendor;
            Assert.True((await Problem.Expect(await member.Http.GetAsync($"{url}?model=best&currency=eur"), HttpStatusCode.BadRequest)).HasError("model"), url);
        }

        var settings = await Problem.Expect(await x.Vendor.Http.PutAsJsonAsync(Routes.PipelineSettings,
            new PipelineSettings("Mars/Olympus", "XYZ", new Dictionary<string, decimal> { ["ABC"] = 1m, ["EUR"] = 0m }, 0), Network.Json), HttpStatusCode.BadRequest);
        foreach (var field in new[] { "timeZone", "baseCurrency", "halfLifeDays", "rates.ABC", "rates.EUR" })
            Assert.True(settings.HasError(field), $"{field}: {settings}");
        Assert.Equal("UTC", (await Get<PipelineSettings>(x.Vendor, Routes.PipelineSettings)).TimeZone); // unchanged

        var cost = await Problem.Expect(await x.Vendor.Http.PostAsJsonAsync(Routes.PipelineCosts,
            new PartnerCostRequest(" ", "bribe", -1m, "XYZ", new DateOnly(2026, 1, 1)), Network.Json), HttpStatusCode.BadRequest);
        foreach (var field in new[] { "partnerId", "kind", "amount", "currency" })
            Assert.True(cost.HasError(field), $"{field}: {cost}");
        var cents = await Problem.Expect(await x.Vendor.Http.PostAsJsonAsync(Routes.PipelineCosts,
            new PartnerCostRequest(x.Cedar.Id, "mdf", 10.001m, "USD", new DateOnly(2026, 1, 1)), Network.Json), HttpStatusCode.BadRequest);
        Assert.Contains("more decimals than USD allows (2)", cents.Detail());
    }

    [Fact]
    public async Task Only_a_vendor_reads_and_sets_its_pipeline()
    {
        var x = await WorkedExample.Create(network);

        foreach (var member in new[] { x.Cedar, x.Delta, x.Bluefin })
        {
            var calls = new (string Name, Func<Task<HttpResponseMessage>> Call)[]
            {
                ("ecosystem", () => member.Http.GetAsync(Routes.PipelineEcosystem)),
                ("revenue", () => member.Http.GetAsync(Routes.PipelineRevenue)),
                ("revenue csv", () => member.Http.GetAsync($"{Routes.PipelineRevenue}?format=csv")),
                ("ropi", () => member.Http.GetAsync(Routes.PipelineRopi)),
                ("co-sell", () => member.Http.GetAsync(Routes.PipelineCoSell)),
                ("scorecards", () => member.Http.GetAsync(Routes.PipelineScorecards)),
                ("costs", () => member.Http.GetAsync(Routes.PipelineCosts)),
                ("add cost", () => member.Http.PostAsJsonAsync(Routes.PipelineCosts, new PartnerCostRequest(member.Id, "mdf", 1m, "USD", new DateOnly(2026, 1, 1)), Network.Json)),
                ("settings", () => member.Http.GetAsync(Routes.PipelineSettings)),
                ("set settings", () => member.Http.PutAsJsonAsync(Routes.PipelineSettings, new PipelineSettings(), Network.Json)),
            };
            foreach (var (name, call) in calls)
            {
                var problem = await Problem.Expect(await call(), HttpStatusCode.Forbidden);
                Assert.Contains("vendor's view of its ecosystem", problem.Detail());
                Assert.Contains("/pipeline/vendors/{vendorId}/scorecard", problem.Detail());
            }
        }
        Assert.Empty((await Get<Page<PartnerCost>>(x.Vendor, Routes.PipelineCosts)).Items);
    }

    [Fact]
    public async Task A_cost_reads_back_as_it_was_recorded_not_with_the_columns_four_decimals()
    {
        var x = await WorkedExample.Create(network);
        var added = await AddCost(x.Vendor, new PartnerCostRequest(x.Cedar.Id, "mdf", 1_234.50m, "USD", new DateOnly(2026, 3, 1)));
        Assert.Equal("1234.5", added.Amount.ToString(CultureInfo.InvariantCulture));
        await AddCost(x.Vendor, new PartnerCostRequest(x.Bluefin.Id, "other", 100m, "USD", new DateOnly(2026, 3, 2)));

        // The raw JSON: a client that prints numbers as received must not see 1234.5000 or 100.0000.
        var body = await (await x.Vendor.Http.GetAsync(Routes.PipelineCosts)).Content.ReadAsStringAsync();
        Assert.Contains("\"amount\":1234.5,", body);
        Assert.Contains("\"amount\":100,", body);
        Assert.DoesNotContain(".0000", body);
    }

    [Fact]
    public async Task Csv_exports_every_report_with_a_header_rows_and_the_basis()
    {
        var x = await WorkedExample.Create(network);
        // Cost partner ids are free text: a cell that a spreadsheet would run as a formula is defused.
        await AddCost(x.Vendor, new PartnerCostRequest("=HYPERLINK(\"http://evil.test\",\"x\")", "other", 500m, "USD", new DateOnly(2026, 1, 1)));
        await AddCost(x.Vendor, new PartnerCostRequest("@SUM(A1:A9)", "other", 500m, "USD", new DateOnly(2026, 1, 1)));

        async Task<string[][]> Csv(string url, string file)
        {
            var response = await x.Vendor.Http.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
            Assert.Equal(file, response.Content.Headers.ContentDisposition?.FileName);
            Assert.EndsWith("\r\n", body);
            var lines = body.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("# All amounts are in USD; nothing was converted.", lines[^1]);
            return [.. lines[..^1].Select(ParseCsvLine)];
        }

        var revenue = await Csv($"{Routes.PipelineRevenue}?model=linear&format=csv", "revenue.csv");
        Assert.Equal(["partner", "partner-type", "kind", "value", "currency", "model"], revenue[0]);
        Assert.Equal(1 + 3 * 3 + 1, revenue.Length);
        Assert.Equal([x.Cedar.Id, "service", "sourced", "40000", "USD", "linear"], revenue.Single(r => r[0] == x.Cedar.Id && r[2] == "sourced"));
        Assert.Equal([x.Delta.Id, "reseller", "transacted", "40000", "USD", "linear"], revenue.Single(r => r[0] == x.Delta.Id && r[2] == "transacted"));
        Assert.Equal(["", "", "direct", "30000", "USD", "linear"], revenue[^1]);

        var ecosystem = await Csv($"{Routes.PipelineEcosystem}?format=csv", "ecosystem-pipeline.csv");
        Assert.Equal(["section", "key", "value", "count", "currency"], ecosystem[0]);
        Assert.Equal(["total", "", "200000", "1", "USD"], ecosystem[1]);
        Assert.Equal(["stage", "propose", "200000", "1", "USD"], ecosystem[2]);
        Assert.Equal(2, ecosystem.Count(r => r[0] == "partner"));

        var coSell = await Csv($"{Routes.PipelineCoSell}?format=CSV", "co-sell.csv");
        Assert.Equal(["cohort", "won", "lost", "win-rate", "average-cycle-days", "average-deal-value", "currency"], coSell[0]);
        Assert.Equal(["co-sold", "2", "1", "0.6667", "86", "90000", "USD"], coSell[1]);
        Assert.Equal(["direct", "1", "0", "1", "50", "30000", "USD"], coSell[2]);

        var cards = await Csv($"{Routes.PipelineScorecards}?format=csv&model=linear", "scorecards.csv");
        Assert.Equal(["partner", "partner-type", "leading", "metric", "value", "unit"], cards[0]);
        Assert.Equal([x.Cedar.Id, "service", "yes", "Attached value of won deals", "180000", "USD"], cards.First(r => r[0] == x.Cedar.Id));
        Assert.Equal(3 * 8 + 1, cards.Length);

        var ropi = await Csv($"{Routes.PipelineRopi}?format=csv", "ropi.csv");
        Assert.Equal(["partner", "partner-type", "attributed-revenue", "cost", "ropi", "currency", "model"], ropi[0]);
        var defused = ropi.Where(r => r[1] == "").Select(r => r[0]).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["'=HYPERLINK(\"http://evil.test\",\"x\")", "'@SUM(A1:A9)"], defused);
        Assert.All(ropi.Where(r => r[1] == ""), r => Assert.Equal("-1", r[4])); // a negative number is left as it is

        // The raw text quotes the defused cell (it holds commas and quotes).
        var raw = await x.Vendor.Http.GetStringAsync($"{Routes.PipelineRopi}?format=csv");
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\",", raw);
    }

    /// <summary>One RFC 4180 line (no line breaks inside cells in these exports).</summary>
    private static string[] ParseCsvLine(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cell.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString());
        return [.. cells];
    }

    [Fact]
    public async Task A_partner_reads_its_own_scorecard_with_a_vendor_and_nobody_elses()
    {
        var x = await WorkedExample.Create(network);

        var cedar = await Get<Scorecard>(x.Cedar, $"{Routes.PipelineScorecard(x.Vendor.Id)}?model=linear");
        Assert.Equal((x.Cedar.Id, "service", AttributionModel.Linear), (cedar.PartnerId, cedar.PartnerType, cedar.Model));
        Assert.Equal([("Attached value of won deals", 180_000m), ("Won deals taken part in (deployments)", 2m), ("Influenced revenue", 30_000m)],
            cedar.Leading.Select(m => (m.Name, m.Value)));

        // Asking for another partner's card still gives one's own.
        var stillMine = await Get<Scorecard>(x.Cedar, $"{Routes.PipelineScorecard(x.Vendor.Id)}?partner={x.Delta.Id}&type=reseller");
        Assert.Equal(x.Cedar.Id, stillMine.PartnerId);
        var body = await x.Cedar.Http.GetStringAsync($"{Routes.PipelineScorecard(x.Vendor.Id)}?partner={x.Delta.Id}");
        Assert.DoesNotContain(x.Delta.Id, body);
        Assert.DoesNotContain(x.Bluefin.Id, body);

        // A period in which the partner took part in nothing still finds its card (all zero).
        var empty = await Get<Scorecard>(x.Delta, $"{Routes.PipelineScorecard(x.Vendor.Id)}?from=2027-01-01");
        Assert.All(empty.Leading.Concat(empty.Other), m => Assert.Equal(0m, m.Value));

        var csv = await x.Delta.Http.GetAsync($"{Routes.PipelineScorecard(x.Vendor.Id)}?format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("partner,partner-type,leading,metric,value,unit", lines[0]);
        Assert.StartsWith($"{x.Delta.Id},reseller,yes,Resold (transacted) revenue,", lines[1]);
        Assert.All(lines[1..^1], l => Assert.StartsWith(x.Delta.Id, l));

        // A partner in none of the vendor's rooms, and a vendor that does not exist: 404.
        var stranger = await network.AddPartner("Stranger", PartnerType.Influence);
        var none = await Problem.Expect(await stranger.Http.GetAsync(Routes.PipelineScorecard(x.Vendor.Id)), HttpStatusCode.NotFound);
        Assert.Contains("none of this vendor's rooms", none.Detail());
        await Problem.Expect(await x.Cedar.Http.GetAsync(Routes.PipelineScorecard("0123456789abcdef0123456789abcdef")), HttpStatusCode.NotFound);
        // The vendor itself is no partner in its own rooms.
        await Problem.Expect(await x.Vendor.Http.GetAsync(Routes.PipelineScorecard(x.Vendor.Id)), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_partner_whose_rooms_were_all_removed_has_no_scorecard()
    {
        var vendor = await network.AddPartner("Remover", PartnerType.Vendor);
        var partner = await network.AddPartner("Gone Partner", PartnerType.Referral);
        var feed = new PipelineFeed(network, vendor.Id);
        var room = feed.Room("r", PipelineFeed.Day(1, 1), "qualify", 10_000m) with { Partners = [new(partner.Id, "referral")] };
        await feed.Send(room);
        Assert.Equal(partner.Id, (await Get<Scorecard>(partner, Routes.PipelineScorecard(vendor.Id))).PartnerId);

        await feed.Send(room with { Removed = true });

        await Problem.Expect(await partner.Http.GetAsync(Routes.PipelineScorecard(vendor.Id)), HttpStatusCode.NotFound);
        Assert.Empty(await Get<List<Scorecard>>(vendor, Routes.PipelineScorecards));
    }

    [Fact]
    public async Task A_partner_that_left_a_room_keeps_its_credit_on_one_line()
    {
        var vendor = await network.AddPartner("Leaver Vendor", PartnerType.Vendor);
        var p = await network.AddPartner("Leaver", PartnerType.Technology);
        var q = await network.AddPartner("Stayer", PartnerType.Service);
        var feed = new PipelineFeed(network, vendor.Id);
        await feed.Send(feed.Room("one", PipelineFeed.Day(1, 1), RoomFacts.ClosedWon, 10_000m) with
        {
            ClosedAt = PipelineFeed.Day(2, 1), Partners = [new(p.Id, "technology")], Touches = [new(p.Id, "sourced", PipelineFeed.Day(1, 2))],
        });
        // P touched room two, then left it: its touch stays, its membership (and so its type there) does not.
        await feed.Send(feed.Room("two", PipelineFeed.Day(1, 1), RoomFacts.ClosedWon, 20_000m) with
        {
            ClosedAt = PipelineFeed.Day(2, 1), Partners = [new(q.Id, "service")],
            Touches = [new(q.Id, "sourced", PipelineFeed.Day(1, 2)), new(p.Id, "influenced", PipelineFeed.Day(1, 3))],
        });
        await AddCost(vendor, new PartnerCostRequest(p.Id, "mdf", 5_000m, "USD", new DateOnly(2026, 1, 1)));

        var revenue = await Get<RevenueReport>(vendor, $"{Routes.PipelineRevenue}?model=linear");
        Assert.Equal(new PartnerRevenue(p.Id, "technology", 10_000m, 10_000m, 0m), Assert.Single(revenue.Partners, r => r.PartnerId == p.Id));
        Assert.Equal([new Breakdown("technology", 20_000m, 2), new Breakdown("service", 10_000m, 1)], revenue.ByPartnerType);
        var technology = await Get<RevenueReport>(vendor, $"{Routes.PipelineRevenue}?model=linear&type=technology");
        Assert.Equal((10_000m, 10_000m), (technology.Sourced, technology.Influenced));

        var ropi = await Get<RopiReport>(vendor, $"{Routes.PipelineRopi}?model=linear");
        Assert.Equal(new PartnerRopi(p.Id, "technology", 20_000m, 5_000m, 3m), ropi.Partners.Single(r => r.PartnerId == p.Id));
        var card = await Get<Scorecard>(p, $"{Routes.PipelineScorecard(vendor.Id)}?model=linear");
        Assert.Equal([10_000m, 10_000m], card.Leading.Where(m => m.Name is "Sourced revenue" or "Influenced revenue").Select(m => m.Value));
    }

    [Fact]
    public async Task Costs_are_listed_by_date_a_page_at_a_time()
    {
        var vendor = await network.AddPartner("Spender", PartnerType.Vendor);
        var dates = new[] { new DateOnly(2026, 1, 5), new DateOnly(2026, 1, 1), new DateOnly(2026, 3, 1), new DateOnly(2026, 2, 1), new DateOnly(2026, 1, 1) };
        var added = new List<PartnerCost>();
        foreach (var (date, i) in dates.Select((d, i) => (d, i)))
            added.Add(await AddCost(vendor, new PartnerCostRequest($"partner-{i}", i % 2 == 0 ? "mdf" : "enablement", 100m + i, "USD", date, $"note {i}")));
        Assert.All(added, c => Assert.Equal(32, c.Id.Length));
        Assert.Equal(("partner-4", "mdf", 104m, "note 4"), (added[4].PartnerId, added[4].Kind, added[4].Amount, added[4].Note));

        var seen = new List<PartnerCost>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Get<Page<PartnerCost>>(vendor, $"{Routes.PipelineCosts}?limit=2" + (cursor is null ? "" : $"&cursor={cursor}"));
            Assert.True(page.Items.Count <= 2);
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(dates.Order(), seen.Select(c => c.Date));
        Assert.Equal(added.Select(c => c.Id).Order(StringComparer.Ordinal), seen.Select(c => c.Id).Order(StringComparer.Ordinal));
        var sameDay = seen.Take(2).Select(c => c.Id).ToList();
        Assert.Equal(sameDay.Order(StringComparer.Ordinal), sameDay); // ties by id
        Assert.Equal(added.Single(c => c.Id == seen[0].Id).Amount, seen[0].Amount);
        Assert.Equal(5, (await Get<Page<PartnerCost>>(vendor, Routes.PipelineCosts)).Items.Count);

        Assert.True((await Problem.Expect(await vendor.Http.GetAsync($"{Routes.PipelineCosts}?cursor=!!!"), HttpStatusCode.BadRequest)).HasError("cursor"));
        Assert.True((await Problem.Expect(await vendor.Http.GetAsync($"{Routes.PipelineCosts}?cursor=bm8tYmFy"), HttpStatusCode.BadRequest)).HasError("cursor")); // "no-bar"
        Assert.True((await Problem.Expect(await vendor.Http.GetAsync($"{Routes.PipelineCosts}?limit=0"), HttpStatusCode.BadRequest)).HasError("limit"));
        Assert.True((await Problem.Expect(await vendor.Http.GetAsync($"{Routes.PipelineCosts}?limit=501"), HttpStatusCode.BadRequest)).HasError("limit"));
    }

    [Fact]
    public async Task Settings_have_defaults_and_a_vendor_sets_them()
    {
        var vendor = await network.AddPartner("Settler", PartnerType.Vendor);

        var defaults = await Get<PipelineSettings>(vendor, Routes.PipelineSettings);
        Assert.Equal(("UTC", "USD", 30, (DateTimeOffset?)null), (defaults.TimeZone, defaults.BaseCurrency, defaults.HalfLifeDays, defaults.RatesAsOf));
        Assert.True(defaults.Rates is null or { Count: 0 });

        var set = await PutSettings(vendor, new PipelineSettings("America/New_York", "EUR", new Dictionary<string, decimal> { ["USD"] = 0.92m, ["GBP"] = 1.17m }, 45));
        Assert.Equal(("America/New_York", "EUR", 45), (set.TimeZone, set.BaseCurrency, set.HalfLifeDays));
        var read = await Get<PipelineSettings>(vendor, Routes.PipelineSettings);
        Assert.Equal(new Dictionary<string, decimal> { ["USD"] = 0.92m, ["GBP"] = 1.17m }, read.Rates!.ToDictionary());
        Assert.Equal(set.RatesAsOf, read.RatesAsOf);

        // Reports default to the base currency and the vendor's time zone.
        var report = await Get<EcosystemPipelineReport>(vendor, Routes.PipelineEcosystem);
        Assert.Equal(("EUR", "America/New_York"), (report.Basis.Currency, report.Basis.TimeZone));
    }
}
