using System.Net;
using System.Text.Json;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace CoSellNet.Client.Tests.Client;

/// <summary>What the client puts on the wire, and how it reads the node's JSON.</summary>
public sealed class RequestTests
{
    [Fact]
    public async Task Requests_carry_the_bearer_key_and_read_lower_case_enums()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, Samples.Partnership());
        using var client = node.Client();

        var view = await client.GetPartnershipAsync(Samples.ThemId);

        var request = Assert.Single(node.Received);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal($"/api/v1/partnerships/{Samples.ThemId}", request.PathAndQuery);
        Assert.Equal("Bearer " + Keys.Partner, request.Authorization);
        Assert.Equal(PartnershipStatus.Active, view.Status);
        Assert.Equal(new SharingRule("prospects", SharingLevel.Counts, 5), view.Mine.Rules[1]);
    }

    [Fact]
    public async Task Redeeming_an_invitation_sends_no_key_even_when_the_client_has_one()
    {
        var node = new StubNode().Json(HttpStatusCode.Created, Samples.Created());
        using var client = node.Client();

        var created = await client.RedeemInvitationAsync(new RedeemInvitation(Keys.InvitationToken,
            new PartnerRegistration("Beta Services", "beta.io", PartnerType.Service)));

        var request = Assert.Single(node.Received);
        Assert.Equal("/api/v1/invitations/redeem", request.PathAndQuery);
        Assert.Null(request.Authorization);
        Assert.Equal(Keys.Other, created.ApiKey.Secret);
        using var body = JsonDocument.Parse(request.Body!);
        Assert.Equal("service", body.RootElement.GetProperty("partner").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Bodies_are_camel_case_json_with_wire_enum_names()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, Samples.Partnership());
        using var client = node.Client();

        await client.SetRulesAsync(Samples.ThemId, [new SharingRule("customers", SharingLevel.Overlaps), new SharingRule("prospects", SharingLevel.Counts, 5)]);

        var request = Assert.Single(node.Received);
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal($"/api/v1/partnerships/{Samples.ThemId}/rules", request.PathAndQuery);
        Assert.Equal("application/json; charset=utf-8", request.ContentType);
        Assert.Equal(
            """{"rules":[{"population":"customers","level":"overlaps","minSegmentSize":0},{"population":"prospects","level":"counts","minSegmentSize":5}]}""",
            request.Body);
    }

    [Fact]
    public async Task Accepting_without_terms_still_sends_a_json_body_and_actions_send_none()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, Samples.Partnership());
        using var client = node.Client();

        await client.AcceptPartnershipAsync(Samples.ThemId);
        await client.PausePartnershipAsync(Samples.ThemId);

        Assert.Equal("""{"motions":null,"rules":null}""", node.Received[0].Body);
        Assert.EndsWith("/accept", node.Received[0].PathAndQuery);
        Assert.Null(node.Received[1].Body);
        Assert.EndsWith("/pause", node.Received[1].PathAndQuery);
    }

    [Fact]
    public async Task Directory_filters_and_paging_go_in_the_query_string_escaped()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, new Page<DirectoryEntry>([Samples.Entry()], "next+1/="));
        using var client = node.Client();

        var page = await client.ListDirectoryAsync(PartnerType.Technology, "a&b c", "abc=", 20);

        Assert.Equal("/api/v1/directory?type=technology&search=a%26b%20c&cursor=abc%3D&limit=20", Assert.Single(node.Received).PathAndQuery);
        Assert.Equal("next+1/=", page.NextCursor);
        Assert.Equal("Acme Analytics", Assert.Single(page.Items).Name);
    }

    [Fact]
    public async Task Listing_the_whole_directory_by_type_sends_the_type_with_every_page()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, new Page<DirectoryEntry>([Samples.Entry(Samples.ThemId, "Beta Services", PartnerType.Service)], "c1"))
            .Json(HttpStatusCode.OK, new Page<DirectoryEntry>([Samples.Entry("7c6d5e4f", "Gamma Services", PartnerType.Service)], null));
        using var client = node.Client();

        var names = new List<string>();
        await foreach (var e in client.ListAllDirectoryAsync(PartnerType.Service)) names.Add(e.Name);

        Assert.Equal(["Beta Services", "Gamma Services"], names);
        Assert.Equal(["/api/v1/directory?type=service&limit=500", "/api/v1/directory?type=service&cursor=c1&limit=500"],
            node.Received.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task Ids_are_escaped_into_one_path_segment()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, Samples.Key());
        using var client = node.Client();

        await client.RevokeKeyAsync("../partners/me");

        var request = Assert.Single(node.Received);
        Assert.Equal(HttpMethod.Delete, request.Method);
        Assert.Equal("/api/v1/keys/..%2Fpartners%2Fme", request.PathAndQuery);
    }

    [Fact]
    public async Task A_base_address_with_a_path_keeps_its_prefix()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, Samples.Profile());
        using var client = node.Client(baseAddress: "https://gateway.test/cosell");

        await client.GetMeAsync();

        Assert.Equal("/cosell/api/v1/partners/me", Assert.Single(node.Received).PathAndQuery);
        Assert.Equal(new Uri("https://gateway.test/cosell/"), client.BaseAddress);
    }

    [Fact]
    public async Task Listing_all_follows_cursors_until_the_last_page()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, new Page<PartnershipView>([Samples.Partnership(epoch: 1), Samples.Partnership(epoch: 2)], "c1"))
            .Json(HttpStatusCode.OK, new Page<PartnershipView>([], "c2"))
            .Json(HttpStatusCode.OK, new Page<PartnershipView>([Samples.Partnership(epoch: 3)], null));
        using var client = node.Client();

        var epochs = new List<int>();
        await foreach (var p in client.ListAllPartnershipsAsync()) epochs.Add(p.Epoch);

        Assert.Equal([1, 2, 3], epochs);
        Assert.Equal(
            ["/api/v1/partnerships?limit=500", "/api/v1/partnerships?cursor=c1&limit=500", "/api/v1/partnerships?cursor=c2&limit=500"],
            node.Received.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task A_node_that_repeats_a_cursor_cannot_make_a_listing_endless()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, new Page<ApiKeyView>([Samples.Key()], "same"));
        using var client = node.Client();

        var seen = 0;
        var e = await Assert.ThrowsAsync<CoSellNetException>(async () =>
        {
            await foreach (var _ in client.ListAllKeysAsync()) seen++;
        });

        Assert.Contains("same page cursor twice", e.Message);
        Assert.Equal(2, seen);
    }

    [Fact]
    public async Task Stopping_early_fetches_no_more_pages()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, new Page<InvitationView>([Samples.Invitation("a"), Samples.Invitation("b")], "more"));
        using var client = node.Client();

        await foreach (var invitation in client.ListAllInvitationsAsync())
        {
            Assert.Equal("a", invitation.Id);
            break;
        }

        Assert.Single(node.Received);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(501)]
    public async Task Page_sizes_outside_the_nodes_range_are_refused_before_sending(int limit)
    {
        var node = new StubNode();
        using var client = node.Client();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ListKeysAsync(limit: limit));
        Assert.Empty(node.Received);
    }

    [Fact]
    public async Task Empty_ids_are_refused_before_sending()
    {
        var node = new StubNode();
        using var client = node.Client();

        await Assert.ThrowsAsync<ArgumentException>(() => client.GetPartnershipAsync(" "));
        await Assert.ThrowsAsync<ArgumentException>(() => client.ProposePartnershipAsync(new ProposePartnership("")));
        Assert.Empty(node.Received);
    }

    [Fact]
    public async Task Dependency_injection_gives_a_working_client_with_the_configured_key()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, Samples.Profile());
        var services = new ServiceCollection();
        services.AddCoSellNetClient(o =>
        {
            o.BaseAddress = new Uri("http://node.test");
            o.ApiKey = Keys.Partner;
        }).ConfigurePrimaryHttpMessageHandler(() => node);
        using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<CoSellNetClient>();
        var me = await client.GetMeAsync();

        Assert.Equal(Samples.MeId, me.Entry.Id);
        Assert.Equal("Bearer " + Keys.Partner, Assert.Single(node.Received).Authorization);
    }
}
