using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Tests;

/// <summary>A started node with its operator, and helpers to put partners on it.</summary>
public sealed class Network : IAsyncLifetime
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public NodeFactory Node { get; private set; } = null!;
    public HttpClient Operator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Node = await NodeFactory.StartAsync();
        Operator = Node.ClientWith(Node.OperatorKey ?? throw new InvalidOperationException("No operator key was written at first start."));
    }

    public Task DisposeAsync()
    {
        Node.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Registers a partner with a unique domain; returns it and a client holding its first (admin) key.</summary>
    public async Task<Member> AddPartner(string name = "Acme", PartnerType type = PartnerType.Technology, IReadOnlyList<string>? populations = null)
    {
        var domain = $"{name.ToLowerInvariant().Replace(' ', '-')}-{Guid.NewGuid():N}"[..30] + ".com";
        var response = await Operator.PostAsJsonAsync(Routes.Partners, new PartnerRegistration(name, domain, type, Populations: populations), Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<PartnerCreated>(Json))!;
        return new Member(created.Partner.Entry.Id, created.ApiKey.Secret, Node.ClientWith(created.ApiKey.Secret), created);
    }

    /// <summary>Two partners with an active partnership.</summary>
    public async Task<(Member A, Member B)> AddPartnership(IReadOnlyList<string>? motions = null)
    {
        var a = await AddPartner("Alpha", PartnerType.Vendor);
        var b = await AddPartner("Beta", PartnerType.Service);
        (await a.Http.PostAsJsonAsync(Routes.Partnerships, new ProposePartnership(b.Id, motions ?? ["co-sell"]), Json)).EnsureSuccessStatusCode();
        (await b.Http.PostAsJsonAsync(Routes.PartnershipAction(a.Id, "accept"), new AcceptPartnership(["co-sell"]), Json)).EnsureSuccessStatusCode();
        return (a, b);
    }
}

public sealed record Member(string Id, string Key, HttpClient Http, PartnerCreated Created);

[CollectionDefinition(Name)]
public sealed class NetworkCollection : ICollectionFixture<Network>
{
    public const string Name = "network";
}
