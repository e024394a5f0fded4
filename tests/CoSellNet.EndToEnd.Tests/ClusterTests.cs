using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CoSellNet.Protocol;
using CoSellNet.Testing;

namespace CoSellNet.EndToEnd.Tests;

/// <summary>Real node processes on one machine forming one cluster on PostgreSQL.</summary>
public sealed class ClusterTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Two_nodes_serve_one_cluster_and_the_survivor_takes_over_a_killed_nodes_grains()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("e2e-cluster");
        var clusterId = "e2e-" + Guid.NewGuid().ToString("N")[..12];
        await using var one = await NodeProcess.StartAsync(cs, clusterId);
        await using var two = await NodeProcess.StartAsync(cs, clusterId);
        var key = one.OperatorKey ?? throw new InvalidOperationException("The first node wrote no operator key.");
        Assert.Null(two.OperatorKey);

        // Partners created through either node are the same grains.
        var ids = new List<(string Id, string Key)>();
        for (var i = 0; i < 6; i++)
        {
            var via = i % 2 == 0 ? one : two;
            var response = await via.Client(key).PostAsJsonAsync(Routes.Partners,
                new PartnerRegistration($"Node Partner {i}", $"node-partner-{i}-{Guid.NewGuid():N}"[..28] + ".com", PartnerType.Service), Json);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var created = (await response.Content.ReadFromJsonAsync<PartnerCreated>(Json))!;
            ids.Add((created.Partner.Entry.Id, created.ApiKey.Secret));
        }
        foreach (var (id, partnerKey) in ids)
            Assert.Equal(id, (await two.Client(partnerKey).GetFromJsonAsync<PartnerProfile>(Routes.Me, Json))!.Entry.Id);

        // Kill node one; node two serves every partner again (some of whose grains lived on node one).
        one.Kill();
        foreach (var (id, partnerKey) in ids)
        {
            var profile = await Eventually(() => two.Client(partnerKey).GetFromJsonAsync<PartnerProfile>(Routes.Me, Json));
            Assert.Equal(id, profile!.Entry.Id);
        }
    }

    /// <summary>Retries while the cluster notices the dead node (membership probes, then grain re-activation).</summary>
    private static async Task<T> Eventually<T>(Func<Task<T>> call)
    {
        for (var attempt = 0; ; attempt++)
        {
            try { return await call(); }
            catch (Exception) when (attempt < 60) { await Task.Delay(1000); }
        }
    }
}
