using System.Net;
using System.Net.Http.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

/// <summary>The vendor pipeline: a vendor's figures reach the vendor, and each partner its own scorecard, nobody else.</summary>
public sealed partial class IsolationTests
{
    [Fact]
    public async Task A_vendors_pipeline_figures_reach_only_the_vendor_and_each_partner_its_own_scorecard()
    {
        var x = await WorkedExample.Create(network);
        (await x.Vendor.Http.PostAsJsonAsync(Routes.PipelineCosts, new PartnerCostRequest(x.Cedar.Id, "mdf", 10_000m, "USD", new DateOnly(2026, 2, 1)), Network.Json)).EnsureSuccessStatusCode();
        (await x.Vendor.Http.PutAsJsonAsync(Routes.PipelineSettings, new PipelineSettings("Europe/Berlin", "USD", new Dictionary<string, decimal> { ["EUR"] = 1.1m }), Network.Json)).EnsureSuccessStatusCode();
        var reports = new[] { Routes.PipelineEcosystem, Routes.PipelineRevenue, Routes.PipelineRopi, Routes.PipelineCoSell, Routes.PipelineScorecards };
        var before = new List<string>();
        foreach (var url in reports) before.Add(await x.Vendor.Http.GetStringAsync(url));

        // Another vendor sees its own (empty) pipeline, whatever it filters by.
        var otherVendor = await network.AddPartner("Rival Vendor", PartnerType.Vendor);
        foreach (var url in reports)
            foreach (var query in new[] { "", $"?partner={x.Cedar.Id}", "?type=service", "?format=csv", "?model=linear&from=2026-01-01&to=2026-12-31" })
            {
                var body = await otherVendor.Http.GetStringAsync(url + query);
                foreach (var id in new[] { x.Vendor.Id, x.Bluefin.Id, x.Cedar.Id, x.Delta.Id })
                    Assert.DoesNotContain(id, body);
                Assert.DoesNotContain("120000", body);
                Assert.DoesNotContain("200000", body);
            }
        Assert.Empty((await otherVendor.Http.GetFromJsonAsync<Page<PartnerCost>>(Routes.PipelineCosts, Network.Json))!.Items);
        var otherSettings = (await otherVendor.Http.GetFromJsonAsync<PipelineSettings>(Routes.PipelineSettings, Network.Json))!;
        Assert.Equal(("UTC", null), (otherSettings.TimeZone, otherSettings.Rates?.Count > 0 ? otherSettings.Rates : null));
        await Problem.Expect(await otherVendor.Http.GetAsync(Routes.PipelineScorecard(x.Vendor.Id)), HttpStatusCode.NotFound);

        // A foreign partner (not a vendor, in none of the rooms) reads none of the reports, and has no scorecard with the vendor.
        var foreign = await network.AddPartner("Outsider", PartnerType.Reseller);
        foreach (var url in reports.Append(Routes.PipelineCosts).Append(Routes.PipelineSettings))
            await Problem.Expect(await foreign.Http.GetAsync($"{url}?partner={x.Cedar.Id}"), HttpStatusCode.Forbidden);
        await Problem.Expect(await foreign.Http.GetAsync(Routes.PipelineScorecard(x.Vendor.Id)), HttpStatusCode.NotFound);
        await Problem.Expect(await foreign.Http.GetAsync($"{Routes.PipelineScorecard(x.Vendor.Id)}?partner={x.Cedar.Id}"), HttpStatusCode.NotFound);

        // A partner in the rooms reads its own scorecard only, whatever it asks for.
        foreach (var query in new[] { "", $"?partner={x.Delta.Id}", "?type=reseller", "?format=csv" })
        {
            var body = await x.Cedar.Http.GetStringAsync(Routes.PipelineScorecard(x.Vendor.Id) + query);
            Assert.Contains(x.Cedar.Id, body);
            Assert.DoesNotContain(x.Delta.Id, body);
            Assert.DoesNotContain(x.Bluefin.Id, body);
        }

        // Nothing changed for the vendor.
        for (var i = 0; i < reports.Length; i++)
            Assert.Equal(before[i], await x.Vendor.Http.GetStringAsync(reports[i]));
        Assert.Equal("Europe/Berlin", (await x.Vendor.Http.GetFromJsonAsync<PipelineSettings>(Routes.PipelineSettings, Network.Json))!.TimeZone);
        Assert.Single((await x.Vendor.Http.GetFromJsonAsync<Page<PartnerCost>>(Routes.PipelineCosts, Network.Json))!.Items);
    }
}
