using System.Net;
using System.Net.Http.Json;
using CoSellNet.Protocol;
using CoSellNet.Silo.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace CoSellNet.Api.Tests;

/// <summary>The webhook endpoints in the isolation matrix: a vendor's endpoints and deliveries are its own.</summary>
public sealed partial class IsolationTests
{
    [Fact]
    public async Task A_vendors_webhook_endpoints_and_deliveries_are_out_of_everyone_elses_reach()
    {
        var (vendor, partner) = await network.AddPartnership(); // a vendor and its service partner
        var rival = await network.AddPartner("Rival", PartnerType.Vendor);
        var outsider = await network.AddPartner("Outsider", PartnerType.Reseller);
        var created = (await (await vendor.Http.PostAsJsonAsync(Routes.Webhooks,
            new WebhookEndpointRequest("https://hooks.example.com/isolation", [WebhookEventTypes.DealRegistered]), Network.Json))
            .Content.ReadFromJsonAsync<CreatedWebhookEndpoint>(Network.Json))!;
        var id = created.Endpoint.Id;
        var delivery = (await network.Node.Services.GetRequiredService<IWebhookOutbox>()
            .Enqueue(vendor.Id, WebhookEventTypes.DealRegistered, "room-x", new { partner = partner.Id })).DeliveryIds.Single();
        var before = await vendor.Http.GetStringAsync(Routes.Webhook(id));

        foreach (var (who, caller) in new[] { ("partner", partner), ("rival vendor", rival), ("outsider", outsider) })
        {
            var calls = new (string Name, Func<Task<HttpResponseMessage>> Call)[]
            {
                ("GET endpoint", () => caller.Http.GetAsync(Routes.Webhook(id))),
                ("DELETE endpoint", () => caller.Http.DeleteAsync(Routes.Webhook(id))),
                ("GET deliveries", () => caller.Http.GetAsync(Routes.WebhookDeliveries(id))),
                ("GET delivery", () => caller.Http.GetAsync(Routes.WebhookDelivery(id, delivery))),
                ("POST replay", () => caller.Http.PostAsync(Routes.WebhookReplay(id, delivery), null)),
            };
            foreach (var (name, call) in calls)
            {
                var response = await call();
                // Another vendor finds nothing; a partner that is no vendor is refused webhooks altogether.
                var expected = caller == rival ? HttpStatusCode.NotFound : HttpStatusCode.Forbidden;
                Assert.True(response.StatusCode == expected, $"{who}: {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
        Assert.Empty((await rival.Http.GetFromJsonAsync<Page<WebhookEndpointView>>(Routes.Webhooks, Network.Json))!.Items);

        // Nothing changed for the vendor.
        Assert.Equal(before, await vendor.Http.GetStringAsync(Routes.Webhook(id)));
        Assert.Equal(delivery, (await vendor.Http.GetFromJsonAsync<Page<WebhookDeliveryView>>(Routes.WebhookDeliveries(id), Network.Json))!.Items.Single().Id);
    }

    [Fact]
    public async Task Every_webhook_endpoint_refuses_a_caller_without_a_key()
    {
        var anonymous = network.Node.ClientWith(null);
        const string endpoint = "whe_0123456789abcdef0123456789abcdef";
        const string delivery = "dlv_0123456789abcdef0123456789abcdef";
        var requests = new (HttpMethod Method, string Url)[]
        {
            (HttpMethod.Get, Routes.Webhooks), (HttpMethod.Post, Routes.Webhooks),
            (HttpMethod.Get, Routes.Webhook(endpoint)), (HttpMethod.Delete, Routes.Webhook(endpoint)),
            (HttpMethod.Get, Routes.WebhookDeliveries(endpoint)), (HttpMethod.Get, Routes.WebhookDelivery(endpoint, delivery)),
            (HttpMethod.Post, Routes.WebhookReplay(endpoint, delivery)),
        };
        foreach (var (method, url) in requests)
        {
            using var request = new HttpRequestMessage(method, url) { Content = method == HttpMethod.Post ? JsonContent.Create(new { }) : null };
            var response = await anonymous.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {url}: {(int)response.StatusCode}");
        }
    }
}

/// <summary>A partner's webhook URL must not make the node call what only the node can reach.</summary>
[Collection(NetworkCollection.Name)]
public sealed class WebhookAddressTests(Network network)
{
    [Theory]
    [InlineData("http://127.0.0.1:5432/x")]
    [InlineData("https://localhost/x")]
    [InlineData("https://10.0.0.5/hooks")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[fd00::1]/x")]
    [InlineData("https://[::ffff:192.168.0.1]/x")]
    public async Task Non_public_addresses_are_refused_unless_the_operator_allows_them(string url)
    {
        var vendor = await network.AddPartner("Internal Prober", PartnerType.Vendor);
        var problem = await Problem.Expect(await vendor.Http.PostAsJsonAsync(Routes.Webhooks,
            new WebhookEndpointRequest(url, [WebhookEventTypes.DealRegistered]), Network.Json), HttpStatusCode.BadRequest);
        Assert.True(problem.HasError("url"), url);
        Assert.Contains("non-public address", problem.GetProperty("errors").GetProperty("url")[0].GetString());
        Assert.Empty((await vendor.Http.GetFromJsonAsync<Page<WebhookEndpointView>>(Routes.Webhooks, Network.Json))!.Items);
    }
}
