using System.Net;
using CoSellNet.Silo;
using CoSellNet.Silo.Storage;
using Npgsql;
using Orleans.Configuration;

namespace CoSellNet.Api.Hosting;

/// <summary>Co-hosts the Orleans silo in the web host, on PostgreSQL.</summary>
public static class NodeHosting
{
    public static WebApplicationBuilder AddCoSellNetNode(this WebApplicationBuilder builder)
    {
        var node = builder.Configuration.GetSection(NodeOptions.Section).Get<NodeOptions>() ?? new NodeOptions();
        builder.Services.AddSingleton(node);
        var connectionString = builder.Configuration.RequireConnectionString();

        if (builder.Configuration["urls"] is null && builder.Configuration["ASPNETCORE_URLS"] is null)
            builder.WebHost.UseUrls($"http://{node.HttpAddress}:{node.EffectiveHttpPort}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = node.MaxRequestBodyBytes);

        // Hosted services start in order: the schema must exist before the silo joins the cluster.
        if (node.MigrateOnStart) builder.Services.AddHostedService<SchemaMigrationService>();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = node.ClusterId;
                o.ServiceId = node.ServiceId;
            });
            silo.ConfigureEndpoints(IPAddress.Parse(node.AdvertisedAddress), node.EffectiveSiloPort, node.EffectiveGatewayPort, listenOnAnyHostAddress: false);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                // Faster failover than the defaults (about 18 s to notice a killed node).
                o.ProbeTimeout = TimeSpan.FromSeconds(2);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
            silo.UseCoSellNetClustering(connectionString).AddCoSellNet(connectionString);
        });
        builder.Services.AddHostedService<OperatorKeyBootstrap>();
        return builder;
    }

    /// <summary>Applies the schema to the configured database, creating the database if missing.</summary>
    public static async Task MigrateAsync(IConfiguration configuration)
    {
        var connectionString = configuration.RequireConnectionString();
        await DatabaseCreator.EnsureDatabaseAsync(connectionString);
        await using var db = NpgsqlDataSource.Create(connectionString);
        var applied = await SchemaMigrator.ApplyAsync(db);
        Console.WriteLine(applied.Count == 0 ? "Schema is up to date." : $"Applied: {string.Join(", ", applied)}");
    }

    private sealed class SchemaMigrationService(IConfiguration configuration, ILogger<SchemaMigrationService> log) : IHostedService
    {
        public async Task StartAsync(CancellationToken ct)
        {
            var connectionString = configuration.RequireConnectionString();
            await using var db = NpgsqlDataSource.Create(connectionString);
            var applied = await SchemaMigrator.ApplyAsync(db, log, ct);
            if (applied.Count > 0) log.LogInformation("Applied {Count} schema migrations", applied.Count);
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}
