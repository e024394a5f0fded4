using System.Net;
using System.Net.Http.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

[Collection(NetworkCollection.Name)]
public sealed class AuthTests(Network network)
{
    [Fact]
    public async Task No_key_is_401_with_a_challenge()
    {
        var response = await network.Node.ClientWith(null).GetAsync(Routes.Me);
        var problem = await Problem.Expect(response, HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.Contains("Authorization: Bearer", problem.Detail());
    }

    [Theory]
    [InlineData("not-a-key", "malformed")]
    [InlineData("csn_op_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not valid")]
    public async Task Malformed_or_unknown_keys_are_401(string key, string expected)
    {
        var problem = await Problem.Expect(await network.Node.ClientWith(key).GetAsync(Routes.Me), HttpStatusCode.Unauthorized);
        Assert.Contains(expected, problem.Detail());
    }

    [Fact]
    public async Task A_wrong_secret_for_a_real_key_id_is_401()
    {
        var a = await network.AddPartner();
        var forged = a.Key[..^4] + (a.Key.EndsWith("AAAA") ? "BBBB" : "AAAA");
        await Problem.Expect(await network.Node.ClientWith(forged).GetAsync(Routes.Me), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Revoked_keys_stop_working_and_the_last_admin_key_cannot_be_revoked()
    {
        var a = await network.AddPartner();
        var first = a.Created.ApiKey.Key.Id;
        await Problem.Expect(await a.Http.DeleteAsync(Routes.Key(first)), HttpStatusCode.Conflict);

        var second = (await (await a.Http.PostAsJsonAsync(Routes.Keys, new ApiKeyRequest("ci", [ApiKeyScope.Admin]), Network.Json))
            .Content.ReadFromJsonAsync<CreatedApiKey>(Network.Json))!;
        var secondClient = network.Node.ClientWith(second.Secret);
        Assert.Equal(HttpStatusCode.OK, (await secondClient.DeleteAsync(Routes.Key(first))).StatusCode);

        await Problem.Expect(await a.Http.GetAsync(Routes.Me), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await secondClient.GetAsync(Routes.Me)).StatusCode);
        var keys = (await secondClient.GetFromJsonAsync<Page<ApiKeyView>>(Routes.Keys, Network.Json))!;
        Assert.NotNull(keys.Items.Single(k => k.Id == first).RevokedAt);
        Assert.DoesNotContain(second.Secret, await secondClient.GetStringAsync(Routes.Keys));
    }

    [Fact]
    public async Task Scopes_are_ordered_read_write_admin()
    {
        var a = await network.AddPartner();
        var b = await network.AddPartner("Other");
        var read = (await (await a.Http.PostAsJsonAsync(Routes.Keys, new ApiKeyRequest("reader", [ApiKeyScope.Read]), Network.Json))
            .Content.ReadFromJsonAsync<CreatedApiKey>(Network.Json))!;
        var reader = network.Node.ClientWith(read.Secret);

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync(Routes.Me)).StatusCode);
        await Problem.Expect(await reader.PostAsJsonAsync(Routes.Partnerships, new ProposePartnership(b.Id), Network.Json), HttpStatusCode.Forbidden);
        await Problem.Expect(await reader.GetAsync(Routes.Keys), HttpStatusCode.Forbidden);

        var write = (await (await a.Http.PostAsJsonAsync(Routes.Keys, new ApiKeyRequest("writer", [ApiKeyScope.Write]), Network.Json))
            .Content.ReadFromJsonAsync<CreatedApiKey>(Network.Json))!;
        var writer = network.Node.ClientWith(write.Secret);
        Assert.Equal(HttpStatusCode.OK, (await writer.GetAsync(Routes.Partnerships)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await writer.PostAsJsonAsync(Routes.Partnerships, new ProposePartnership(b.Id), Network.Json)).StatusCode);
        await Problem.Expect(await writer.PostAsJsonAsync(Routes.Invitations, new InvitationRequest("X"), Network.Json), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Operator_and_partner_keys_each_do_only_their_own_job()
    {
        var a = await network.AddPartner();
        await Problem.Expect(await network.Operator.GetAsync(Routes.Me), HttpStatusCode.Forbidden);
        await Problem.Expect(await network.Operator.GetAsync(Routes.Partnerships), HttpStatusCode.Forbidden);
        await Problem.Expect(await a.Http.PostAsJsonAsync(Routes.Partners,
            new PartnerRegistration("Sneaky", "sneaky-partner.com", PartnerType.Vendor), Network.Json), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await network.Operator.GetAsync(Routes.Directory)).StatusCode);
    }

    [Fact]
    public async Task Bad_key_requests_are_refused_with_reasons()
    {
        var a = await network.AddPartner();
        var problem = await Problem.Expect(await a.Http.PostAsJsonAsync(Routes.Keys, new ApiKeyRequest("", []), Network.Json), HttpStatusCode.BadRequest);
        Assert.True(problem.HasError("name"));
        Assert.True(problem.HasError("scopes"));
        await Problem.Expect(await a.Http.DeleteAsync(Routes.Key("0000000000000000")), HttpStatusCode.NotFound);
        await Problem.Expect(await a.Http.PostAsync(Routes.Keys,
            new StringContent("""{"name":"x","scopes":["superuser"]}""", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
    }
}
