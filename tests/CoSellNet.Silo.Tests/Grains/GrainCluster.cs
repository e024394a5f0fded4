using CoSellNet.Testing;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace CoSellNet.Silo.Tests.Grains;

/// <summary>The in-process Orleans test cluster with CoSellNet's grain storage and reminders on a real PostgreSQL database.</summary>
public sealed class GrainCluster : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public IGrainFactory Grains => Cluster.GrainFactory;
    /// <summary>The cluster's database, for tests that check what grains wrote to PostgreSQL.</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var connectionString = ConnectionString = await PostgresServer.CreateDatabaseAsync("grains");
        var builder = new TestClusterBuilder(1);
        builder.Options.ClusterId = "grains-" + Guid.NewGuid().ToString("N")[..12];
        builder.Properties["ConnectionStrings:CoSellNet"] = connectionString;
        builder.AddSiloBuilderConfigurator<Configurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.StopAllSilosAsync();

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            silo.AddCoSellNet(silo.Configuration.RequireConnectionString());
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) =>
            client.Services.AddCoSellNetSerialization();
    }
}

[CollectionDefinition(Name)]
public sealed class GrainCollection : ICollectionFixture<GrainCluster>
{
    public const string Name = "grains";
}
