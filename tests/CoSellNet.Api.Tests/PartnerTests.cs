using System.Net;
using System.Net.Http.Json;
using System.Text;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

[Collection(NetworkCollection.Name)]
public sealed class PartnerTests(Network network)
{
    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_registered_partner_sees_its_profile_and_others_see_only_the_directory_entry()
    {
        var a = await network.AddPartner("Gamma Labs", PartnerType.Technology, ["customers", "renewals"]);
        var b = await network.AddPartner("Delta");
        await a.Http.PutAsJsonAsync(Routes.Me, new PartnerRegistration("Gamma Labs", a.Created.Partner.Entry.Domain, PartnerType.Technology,
            "gold", new Capabilities(["fintech"], ["emea"], ["payments"]), ["renewals"], PrivateSettings: new PrivateSettings("ops@gamma.example")), Network.Json);

        var me = (await a.Http.GetFromJsonAsync<PartnerProfile>(Routes.Me, Network.Json))!;
        Assert.Equal("gold", me.Entry.Tier);
        Assert.Equal(["customers", "prospects", "opportunities", "renewals"], me.Entry.Populations);
        Assert.Equal("ops@gamma.example", me.PrivateSettings.ContactEmail);

        var seenByB = await b.Http.GetStringAsync(Routes.DirectoryEntry(a.Id));
        Assert.Contains("Gamma Labs", seenByB);
        Assert.Contains("fintech", seenByB);
        Assert.DoesNotContain("ops@gamma.example", seenByB);
    }

    [Fact]
    public async Task Website_forms_are_folded_to_the_registrable_domain()
    {
        var slug = Guid.NewGuid().ToString("N")[..10];
        var response = await network.Operator.PostAsJsonAsync(Routes.Partners,
            new PartnerRegistration("Folded", $"https://WWW.Sales.{slug}.co.uk/about?x=1", PartnerType.Reseller), Network.Json);
        var created = (await response.Content.ReadFromJsonAsync<PartnerCreated>(Network.Json))!;
        Assert.Equal($"{slug}.co.uk", created.Partner.Entry.Domain);
    }

    [Fact]
    public async Task Unknown_partner_type_is_400_naming_the_field()
    {
        var problem = await Problem.Expect(await network.Operator.PostAsync(Routes.Partners,
            JsonBody("""{"name":"X","domain":"x-type-test.com","type":"distributor"}""")), HttpStatusCode.BadRequest);
        Assert.Contains("$.type", problem.Detail());
    }

    [Fact]
    public async Task Missing_and_oversized_fields_are_all_named_at_once()
    {
        var problem = await Problem.Expect(await network.Operator.PostAsJsonAsync(Routes.Partners,
            new PartnerRegistration("", "", PartnerType.Vendor, new string('t', 41),
                new Capabilities(Industries: [.. Enumerable.Repeat("x", 51)]), ["Bad Name"]), Network.Json), HttpStatusCode.BadRequest);
        foreach (var field in new[] { "name", "domain", "tier", "capabilities.industries", "populations[0]" })
            Assert.True(problem.HasError(field), $"no error for {field}: {problem}");
    }

    [Theory]
    [InlineData("gmail.com")]
    [InlineData("192.168.1.20")]
    [InlineData("co.uk")]
    [InlineData("not a domain")]
    public async Task Domains_that_are_not_a_company_are_refused(string domain)
    {
        var problem = await Problem.Expect(await network.Operator.PostAsJsonAsync(Routes.Partners,
            new PartnerRegistration("Nope", domain, PartnerType.Vendor), Network.Json), HttpStatusCode.BadRequest);
        Assert.True(problem.HasError("domain"));
    }

    [Fact]
    public async Task A_domain_already_on_the_network_is_a_conflict()
    {
        var a = await network.AddPartner("Twin");
        var problem = await Problem.Expect(await network.Operator.PostAsJsonAsync(Routes.Partners,
            new PartnerRegistration("Twin again", a.Created.Partner.Entry.Domain, PartnerType.Vendor), Network.Json), HttpStatusCode.Conflict);
        Assert.Contains(a.Created.Partner.Entry.Domain, problem.Detail());
    }

    [Fact]
    public async Task Malformed_json_and_invalid_public_keys_are_400()
    {
        var a = await network.AddPartner();
        await Problem.Expect(await a.Http.PutAsync(Routes.Me, JsonBody("{\"name\": ")), HttpStatusCode.BadRequest);
        var problem = await Problem.Expect(await a.Http.PutAsJsonAsync(Routes.MyPublicKeys, new PublicKeys(1, "AAAA", "BBBB"), Network.Json), HttpStatusCode.BadRequest);
        Assert.True(problem.HasError("publicKeys"));
        await Problem.Expect(await a.Http.PutAsJsonAsync(Routes.MyPublicKeys, new PublicKeys(7, new string('A', 43), new string('A', 43)), Network.Json), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_directory_pages_by_cursor_without_repeats_or_gaps()
    {
        var mine = new HashSet<string>();
        for (var i = 0; i < 5; i++) mine.Add((await network.AddPartner($"Pager{i}", PartnerType.Referral)).Id);

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var url = $"{Routes.Directory}?limit=2&search=pager" + (cursor is null ? "" : $"&cursor={cursor}");
            var page = (await network.Operator.GetFromJsonAsync<Page<DirectoryEntry>>(url, Network.Json))!;
            Assert.True(page.Items.Count <= 2);
            seen.AddRange(page.Items.Select(e => e.Id));
            cursor = page.NextCursor;
        } while (cursor is not null);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Superset(mine, seen.ToHashSet());

        await Problem.Expect(await network.Operator.GetAsync($"{Routes.Directory}?limit=0"), HttpStatusCode.BadRequest);
        await Problem.Expect(await network.Operator.GetAsync($"{Routes.Directory}?cursor=***"), HttpStatusCode.BadRequest);
        await Problem.Expect(await network.Operator.GetAsync($"{Routes.Directory}?type=wizard"), HttpStatusCode.BadRequest);
        await Problem.Expect(await network.Operator.GetAsync(Routes.DirectoryEntry("ffffffffffffffffffffffffffffffff")), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("service", PartnerType.Service)]
    [InlineData("technology", PartnerType.Technology)]
    [InlineData("Referral", PartnerType.Referral)]
    public async Task The_directory_filters_by_the_lower_case_type_names(string type, PartnerType expected)
    {
        var tag = "typed" + Guid.NewGuid().ToString("N")[..8];
        var mine = new Dictionary<string, PartnerType>();
        foreach (var t in new[] { PartnerType.Service, PartnerType.Technology, PartnerType.Referral, PartnerType.Service })
            mine[(await network.AddPartner($"{tag} {t}", t)).Id] = t;

        var page = (await network.Operator.GetFromJsonAsync<Page<DirectoryEntry>>($"{Routes.Directory}?type={type}&search={tag}", Network.Json))!;

        Assert.NotEmpty(page.Items);
        Assert.All(page.Items, e => Assert.Equal(expected, e.Type));
        Assert.Equal(mine.Where(m => m.Value == expected).Select(m => m.Key).Order(), page.Items.Select(e => e.Id).Order());
    }

    [Theory]
    [InlineData("wizard")]
    [InlineData("1")]
    [InlineData("services")]
    public async Task An_unknown_directory_type_is_400_naming_the_allowed_values(string type)
    {
        var problem = await Problem.Expect(await network.Operator.GetAsync($"{Routes.Directory}?type={type}"), HttpStatusCode.BadRequest);
        Assert.True(problem.HasError("type"), problem.ToString());
        Assert.Contains($"'{type}' is not a partner type; use one of vendor, reseller, referral, influence, technology, service", problem.Detail());
    }
}
