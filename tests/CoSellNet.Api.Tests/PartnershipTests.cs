using System.Net;
using System.Net.Http.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

[Collection(NetworkCollection.Name)]
public sealed class PartnershipTests(Network network)
{
    private static async Task<PartnershipView> View(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return System.Text.Json.JsonSerializer.Deserialize<PartnershipView>(body, Network.Json)!;
    }

    [Fact]
    public async Task Dual_opt_in_rules_pause_rotate_end_and_a_history_of_each_change()
    {
        var a = await network.AddPartner("Vendorco", PartnerType.Vendor);
        var b = await network.AddPartner("Integrator", PartnerType.Service);

        var proposed = await View(await a.Http.PostAsJsonAsync(Routes.Partnerships,
            new ProposePartnership(b.Id, ["co-sell", "resell"], [new SharingRule("customers", SharingLevel.Overlaps)]), Network.Json));
        Assert.Equal(PartnershipStatus.Proposed, proposed.Status);
        Assert.Equal(1, proposed.Epoch);
        Assert.Equal(b.Id, proposed.Theirs.PartnerId);
        Assert.Equal("Integrator", proposed.Theirs.PartnerName);

        var accepted = await View(await b.Http.PostAsJsonAsync(Routes.PartnershipAction(a.Id, "accept"),
            new AcceptPartnership(["co-sell"], [new SharingRule("prospects", SharingLevel.Counts, 5)]), Network.Json));
        Assert.Equal(PartnershipStatus.Active, accepted.Status);
        Assert.Equal([new SharingRule("prospects", SharingLevel.Counts, 5)], accepted.Mine.Rules);
        Assert.Equal(SharingLevel.Overlaps, accepted.Theirs.Rules.Single().Level);

        var ruled = await View(await a.Http.PutAsJsonAsync(Routes.PartnershipAction(b.Id, "rules"),
            new SetRules([new SharingRule("customers", SharingLevel.Fields), new SharingRule("opportunities", SharingLevel.Counts, 10)]), Network.Json));
        Assert.Equal(2, ruled.Mine.Rules.Count);

        Assert.Equal(PartnershipStatus.Paused, (await View(await b.Http.PostAsync(Routes.PartnershipAction(a.Id, "pause"), null))).Status);
        await Problem.Expect(await a.Http.PostAsync(Routes.PartnershipAction(b.Id, "resume"), null), HttpStatusCode.Conflict);
        Assert.Equal(PartnershipStatus.Active, (await View(await b.Http.PostAsync(Routes.PartnershipAction(a.Id, "resume"), null))).Status);
        Assert.Equal(2, (await View(await a.Http.PostAsync(Routes.PartnershipAction(b.Id, "rotate"), null))).Epoch);
        Assert.Equal(PartnershipStatus.Ended, (await View(await b.Http.PostAsync(Routes.PartnershipAction(a.Id, "end"), null))).Status);

        var history = (await a.Http.GetFromJsonAsync<Page<PartnershipChange>>(Routes.PartnershipAction(b.Id, "history"), Network.Json))!;
        Assert.Equal(["proposed", "accepted", "rules-changed", "paused", "resumed", "rotated", "ended"], history.Items.Select(h => h.Action));
        Assert.Equal([a.Id, b.Id, a.Id, b.Id, b.Id, a.Id, b.Id], history.Items.Select(h => h.ByPartner));

        // Rules on an ended partnership are refused; proposing again starts a new epoch.
        var ended = await Problem.Expect(await a.Http.PutAsJsonAsync(Routes.PartnershipAction(b.Id, "rules"), new SetRules([]), Network.Json), HttpStatusCode.Conflict);
        Assert.Equal("You cannot change rules of an ended partnership. Propose it again to start a new one.", ended.Detail());
        var again = await View(await b.Http.PostAsJsonAsync(Routes.Partnerships, new ProposePartnership(a.Id), Network.Json));
        Assert.Equal(3, again.Epoch);
        Assert.Equal(PartnershipStatus.Proposed, again.Status);

        var listed = (await a.Http.GetFromJsonAsync<Page<PartnershipView>>(Routes.Partnerships, Network.Json))!;
        Assert.Equal(b.Id, listed.Items.Single().Theirs.PartnerId);
    }

    [Fact]
    public async Task Bad_proposals_and_acceptances_are_refused()
    {
        var a = await network.AddPartner();
        var b = await network.AddPartner("Bee");

        var self = await Problem.Expect(await a.Http.PostAsJsonAsync(Routes.Partnerships, new ProposePartnership(a.Id), Network.Json), HttpStatusCode.BadRequest);
        Assert.True(self.HasError("counterpartId"));
        await Problem.Expect(await a.Http.PostAsJsonAsync(Routes.Partnerships, new ProposePartnership("ffffffffffffffffffffffffffffffff"), Network.Json), HttpStatusCode.NotFound);
        var motions = await Problem.Expect(await a.Http.PostAsJsonAsync(Routes.Partnerships, new ProposePartnership(b.Id, ["smuggle"]), Network.Json), HttpStatusCode.BadRequest);
        Assert.True(motions.HasError("motions"));
        var rules = await Problem.Expect(await a.Http.PostAsJsonAsync(Routes.Partnerships,
            new ProposePartnership(b.Id, Rules: [new SharingRule("payroll", SharingLevel.Counts), new SharingRule("customers", SharingLevel.Counts, -1)]), Network.Json), HttpStatusCode.BadRequest);
        Assert.True(rules.HasError("rules[0].population"));
        Assert.True(rules.HasError("rules[1].minSegmentSize"));

        Assert.Equal(HttpStatusCode.Created, (await a.Http.PostAsJsonAsync(Routes.Partnerships, new ProposePartnership(b.Id), Network.Json)).StatusCode);
        await Problem.Expect(await a.Http.PostAsJsonAsync(Routes.Partnerships, new ProposePartnership(b.Id), Network.Json), HttpStatusCode.Conflict);
        await Problem.Expect(await b.Http.PostAsJsonAsync(Routes.Partnerships, new ProposePartnership(a.Id), Network.Json), HttpStatusCode.Conflict);
        await Problem.Expect(await a.Http.PostAsync(Routes.PartnershipAction(b.Id, "accept"), null), HttpStatusCode.Forbidden);
        await Problem.Expect(await a.Http.PostAsync(Routes.PartnershipAction(b.Id, "pause"), null), HttpStatusCode.Conflict);

        Assert.Equal(PartnershipStatus.Declined, (await (await b.Http.PostAsync(Routes.PartnershipAction(a.Id, "decline"), null))
            .Content.ReadFromJsonAsync<PartnershipView>(Network.Json))!.Status);
        await Problem.Expect(await b.Http.PostAsync(Routes.PartnershipAction(a.Id, "accept"), null), HttpStatusCode.Conflict);
    }
}
