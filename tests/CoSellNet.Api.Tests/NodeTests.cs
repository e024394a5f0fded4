using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

/// <summary>Health, OpenAPI, rate limits, restarts and two nodes in one cluster.</summary>
public sealed class NodeTests
{
    [Fact]
    public async Task Health_and_the_openapi_document_are_served()
    {
        using var node = await NodeFactory.StartAsync("health");
        var anonymous = node.ClientWith(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(Routes.HealthLive)).StatusCode);
        var ready = JsonDocument.Parse(await anonymous.GetStringAsync(Routes.HealthReady)).RootElement;
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("silo").GetProperty("status").GetString());

        var openApi = await anonymous.GetStringAsync(Routes.OpenApi);
        Assert.Contains("/api/v1/partnerships/{counterpartId}/rules", openApi);
        Assert.Contains("Rate limits", openApi);
        Assert.Contains("orleans", (await anonymous.GetStringAsync("/metrics")).ToLowerInvariant());
    }

    [Fact]
    public async Task Over_the_rate_limit_the_answer_is_429_with_retry_after()
    {
        using var node = await NodeFactory.StartAsync("limits", new Dictionary<string, string?> { ["RateLimits:PermitsPerMinute"] = "5" });
        var op = node.ClientWith(node.OperatorKey);
        HttpResponseMessage? last = null;
        for (var i = 0; i < 6; i++) last = await op.GetAsync(Routes.Directory);
        var problem = await Problem.Expect(last!, HttpStatusCode.TooManyRequests);
        Assert.True(last!.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Matches(@"^This node accepts at most 5 requests per minute per partner \(or operator\)\. Retry after \d+ seconds\.$", problem.Detail());
    }

    [Fact]
    public async Task A_restarted_node_keeps_partners_partnerships_and_keys()
    {
        string cs, clusterId, key, counterpart;
        using (var first = await NodeFactory.StartAsync("restart"))
        {
            cs = first.ConnectionString;
            clusterId = first.ClusterId;
            var op = first.ClientWith(first.OperatorKey);
            var a = await Created(op, "Keeper");
            var b = await Created(op, "Kept");
            key = a.ApiKey.Secret;
            counterpart = b.Partner.Entry.Id;
            var aClient = first.ClientWith(key);
            (await aClient.PostAsJsonAsync(Routes.Partnerships, new ProposePartnership(counterpart, ["referral"]), Network.Json)).EnsureSuccessStatusCode();
        }

        using var second = new NodeFactory(cs, clusterId);
        Assert.Null(second.OperatorKey); // shown once, on the first start only
        var again = second.ClientWith(key);
        Assert.Equal("Keeper", (await again.GetFromJsonAsync<PartnerProfile>(Routes.Me, Network.Json))!.Entry.Name);
        var partnership = (await again.GetFromJsonAsync<PartnershipView>(Routes.Partnership(counterpart), Network.Json))!;
        Assert.Equal(["referral"], partnership.Mine.Motions);
    }

    [Fact]
    public async Task Two_nodes_serve_the_same_grains()
    {
        using var one = await NodeFactory.StartAsync("cluster");
        using var two = new NodeFactory(one.ConnectionString, one.ClusterId);
        var viaOne = one.ClientWith(one.OperatorKey);
        var viaTwo = two.ClientWith(one.OperatorKey);

        var a = await Created(viaOne, "Left");
        var b = await Created(viaTwo, "Right");
        (await one.ClientWith(a.ApiKey.Secret).PostAsJsonAsync(Routes.Partnerships, new ProposePartnership(b.Partner.Entry.Id), Network.Json)).EnsureSuccessStatusCode();
        (await two.ClientWith(b.ApiKey.Secret).PostAsync(Routes.PartnershipAction(a.Partner.Entry.Id, "accept"), null)).EnsureSuccessStatusCode();

        for (var i = 0; i < 10; i++)
        {
            var node = i % 2 == 0 ? one : two;
            var view = (await node.ClientWith(a.ApiKey.Secret).GetFromJsonAsync<PartnershipView>(Routes.Partnership(b.Partner.Entry.Id), Network.Json))!;
            Assert.Equal(PartnershipStatus.Active, view.Status);
        }
        var hosts = JsonDocument.Parse(await two.ClientWith(null).GetStringAsync(Routes.HealthReady)).RootElement;
        Assert.Equal("Healthy", hosts.GetProperty("status").GetString());
    }

    private static async Task<PartnerCreated> Created(HttpClient op, string name)
    {
        var response = await op.PostAsJsonAsync(Routes.Partners,
            new PartnerRegistration(name, $"{name.ToLowerInvariant()}-{Guid.NewGuid():N}"[..24] + ".net", PartnerType.Technology), Network.Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<PartnerCreated>(Network.Json))!;
    }
}
