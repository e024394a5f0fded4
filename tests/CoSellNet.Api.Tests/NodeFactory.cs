using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using CoSellNet.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CoSellNet.Api.Tests;

/// <summary>
/// A real node (silo + API) in this process on a real PostgreSQL database. Several factories
/// with the same database and cluster id form one cluster, like nodes on one machine.
/// </summary>
public sealed class NodeFactory(string connectionString, string clusterId, IDictionary<string, string?>? settings = null, TimeProvider? clock = null, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    private readonly string _operatorKeyFile = Path.Combine(Path.GetTempPath(), $"cosellnet-op-{Guid.NewGuid():N}");

    public string ConnectionString => connectionString;
    public string ClusterId => clusterId;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:CoSellNet", connectionString);
        builder.UseSetting("Node:ClusterId", clusterId);
        builder.UseSetting("Node:SiloPort", FreePort().ToString());
        builder.UseSetting("Node:GatewayPort", FreePort().ToString());
        builder.UseSetting("Node:OperatorKeyFile", _operatorKeyFile);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) builder.UseSetting(key, value);
        if (clock is not null) builder.ConfigureServices(s => s.AddSingleton(clock));
        if (services is not null) builder.ConfigureServices(services);
    }

    /// <summary>The operator key, if this node was the first to start on its database.</summary>
    public string? OperatorKey => File.Exists(_operatorKeyFile) ? File.ReadAllText(_operatorKeyFile).Trim() : null;

    public HttpClient ClientWith(string? key)
    {
        var client = CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public static async Task<NodeFactory> StartAsync(string? prefix = null, IDictionary<string, string?>? settings = null, TimeProvider? clock = null, Action<IServiceCollection>? services = null)
    {
        var cs = await PostgresServer.CreateDatabaseAsync(prefix ?? "api");
        var node = new NodeFactory(cs, "test-" + Guid.NewGuid().ToString("N")[..12], settings, clock, services);
        node.Server.ToString(); // starts the host
        return node;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        File.Delete(_operatorKeyFile);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
