using CoSellNet.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace CoSellNet.Silo.Tests.Grains;

/// <summary>
/// A test cluster whose clock the tests move (grains and Orleans' reminder service read the same
/// clock), with the reminder list refreshed every second so that a reminder due after a jump of the
/// clock fires within seconds instead of Orleans' default five minutes.
/// </summary>
public sealed class DealCluster : IAsyncLifetime
{
    /// <summary>The silo's clock (one cluster per test process uses it).</summary>
    public static readonly TestClock Clock = new();

    public TestCluster Cluster { get; private set; } = null!;
    public IGrainFactory Grains => Cluster.GrainFactory;
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ConnectionString = await PostgresServer.CreateDatabaseAsync("deals");
        var builder = new TestClusterBuilder(1);
        builder.Options.ClusterId = "deals-" + Guid.NewGuid().ToString("N")[..12];
        builder.Properties["ConnectionStrings:CoSellNet"] = ConnectionString;
        builder.Properties["Reminders:RefreshReminderListPeriod"] = "00:00:01";
        builder.Properties["Reminders:MinimumReminderPeriod"] = "00:00:01";
        builder.Properties["Deals:ReminderPeriod"] = "00:00:02";
        builder.AddSiloBuilderConfigurator<Configurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.StopAllSilosAsync();

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.Services.AddSingleton<TimeProvider>(Clock);
            silo.AddCoSellNet(silo.Configuration.RequireConnectionString());
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) =>
            client.Services.AddCoSellNetSerialization();
    }
}

[CollectionDefinition(Name)]
public sealed class DealCollection : ICollectionFixture<DealCluster>
{
    public const string Name = "deals";
}

/// <summary>
/// A clock the tests move forward; timers still run in real time. It starts a year in the past and
/// stays behind the machine's clock: Orleans' membership compares silo generations, taken from the
/// machine's clock, with this one, and a silo that seems to have started long before "now" can be
/// classified as dead.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private long _offsetTicks = -TimeSpan.FromDays(365).Ticks;
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
