using System.Net;
using System.Net.Http.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

/// <summary>
/// Every endpoint, called by a partner outside a partnership with the ids of the partners inside
/// it (and of their keys and invitations), is denied; and nothing about them leaks.
/// </summary>
[Collection(NetworkCollection.Name)]
public sealed partial class IsolationTests(Network network)
{
    [Fact]
    public async Task A_foreign_partner_reaches_nothing_of_another_partnership()
    {
        var (a, b) = await network.AddPartnership();
        var foreign = await network.AddPartner("Outsider", PartnerType.Reseller);
        var aInvitation = (await (await a.Http.PostAsJsonAsync(Routes.Invitations, new InvitationRequest("Friend"), Network.Json))
            .Content.ReadFromJsonAsync<CreatedInvitation>(Network.Json))!;
        var aKey = a.Created.ApiKey.Key.Id;
        var before = await a.Http.GetStringAsync(Routes.Partnership(b.Id));

        // Addressing A's partnership with B from outside: the caller's own (non-existent) partnership with B or A.
        var calls = new List<(string Name, Func<Task<HttpResponseMessage>> Call)>();
        foreach (var target in new[] { a.Id, b.Id, $"{a.Id}|{b.Id}", $"{b.Id}|{a.Id}" })
        {
            calls.Add(($"GET partnership {target}", () => foreign.Http.GetAsync(Routes.Partnership(target))));
            calls.Add(($"GET history {target}", () => foreign.Http.GetAsync(Routes.PartnershipAction(target, "history"))));
            foreach (var action in new[] { "accept", "decline", "pause", "resume", "end", "rotate" })
                calls.Add(($"POST {action} {target}", () => foreign.Http.PostAsync(Routes.PartnershipAction(target, action), null)));
            calls.Add(($"PUT motions {target}", () => foreign.Http.PutAsJsonAsync(Routes.PartnershipAction(target, "motions"), new SetMotions(["co-sell"]), Network.Json)));
            calls.Add(($"PUT rules {target}", () => foreign.Http.PutAsJsonAsync(Routes.PartnershipAction(target, "rules"),
                new SetRules([new SharingRule("customers", SharingLevel.Fields)]), Network.Json)));
        }
        calls.Add(("DELETE A's key", () => foreign.Http.DeleteAsync(Routes.Key(aKey))));
        calls.Add(("DELETE A's invitation", () => foreign.Http.DeleteAsync(Routes.Invitation(aInvitation.Invitation.Id))));

        foreach (var (name, call) in calls)
        {
            var response = await call();
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.Conflict,
                $"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        // Lists only ever show the caller's own things.
        var partnerships = (await foreign.Http.GetFromJsonAsync<Page<PartnershipView>>(Routes.Partnerships, Network.Json))!;
        Assert.DoesNotContain(partnerships.Items, p => p.Theirs.PartnerId == a.Id || p.Theirs.PartnerId == b.Id);
        var keys = await foreign.Http.GetStringAsync(Routes.Keys);
        Assert.DoesNotContain(aKey, keys);
        var invitations = await foreign.Http.GetStringAsync(Routes.Invitations);
        Assert.DoesNotContain(aInvitation.Invitation.Id, invitations);
        var feed = (await foreign.Http.GetFromJsonAsync<FeedPage>(Routes.Feed, Network.Json))!;
        Assert.Empty(feed.Items); // A's and B's partnership events are in their feeds only (the hub: FeedTests)
        Assert.DoesNotContain(a.Created.Partner.PrivateSettings.ContactEmail ?? "@", await foreign.Http.GetStringAsync(Routes.DirectoryEntry(a.Id)));

        // Nothing changed for A and B, and A's key and invitation still work.
        Assert.Equal(before, await a.Http.GetStringAsync(Routes.Partnership(b.Id)));
        Assert.Equal(HttpStatusCode.OK, (await a.Http.GetAsync(Routes.Me)).StatusCode);
        Assert.Null((await a.Http.GetFromJsonAsync<Page<InvitationView>>(Routes.Invitations, Network.Json))!.Items.Single().RevokedAt);
    }

    [Fact]
    public async Task Every_protected_endpoint_refuses_a_caller_without_a_key()
    {
        var anonymous = network.Node.ClientWith(null);
        const string someone = "0123456789abcdef0123456789abcdef";
        var requests = new (HttpMethod Method, string Url)[]
        {
            (HttpMethod.Post, Routes.Partners), (HttpMethod.Get, Routes.Me), (HttpMethod.Put, Routes.Me), (HttpMethod.Put, Routes.MyPublicKeys),
            (HttpMethod.Get, Routes.Directory), (HttpMethod.Get, Routes.DirectoryEntry(someone)),
            (HttpMethod.Get, Routes.Keys), (HttpMethod.Post, Routes.Keys), (HttpMethod.Delete, Routes.Key("00")),
            (HttpMethod.Get, Routes.Invitations), (HttpMethod.Post, Routes.Invitations), (HttpMethod.Delete, Routes.Invitation("00")),
            (HttpMethod.Get, Routes.Partnerships), (HttpMethod.Post, Routes.Partnerships), (HttpMethod.Get, Routes.Partnership(someone)),
            (HttpMethod.Get, Routes.PartnershipAction(someone, "history")), (HttpMethod.Post, Routes.PartnershipAction(someone, "accept")),
            (HttpMethod.Post, Routes.PartnershipAction(someone, "end")), (HttpMethod.Put, Routes.PartnershipAction(someone, "rules")),
            (HttpMethod.Get, Routes.PipelineEcosystem), (HttpMethod.Get, Routes.PipelineRevenue + "?format=csv"), (HttpMethod.Get, Routes.PipelineRopi),
            (HttpMethod.Get, Routes.PipelineCoSell), (HttpMethod.Get, Routes.PipelineScorecards), (HttpMethod.Get, Routes.PipelineScorecard(someone)),
            (HttpMethod.Get, Routes.PipelineCosts), (HttpMethod.Post, Routes.PipelineCosts), (HttpMethod.Get, Routes.PipelineSettings), (HttpMethod.Put, Routes.PipelineSettings),
            (HttpMethod.Get, Routes.Feed), (HttpMethod.Get, Routes.Feed + "?after=0&limit=10"),
            (HttpMethod.Post, Routes.FeedHub + "/negotiate?negotiateVersion=1"), (HttpMethod.Get, Routes.FeedHub + "?id=x"),
        };
        foreach (var (method, url) in requests)
        {
            using var request = new HttpRequestMessage(method, url) { Content = method == HttpMethod.Get || method == HttpMethod.Delete ? null : JsonContent.Create(new { }) };
            var response = await anonymous.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {url}: {(int)response.StatusCode}");
        }
    }
}
