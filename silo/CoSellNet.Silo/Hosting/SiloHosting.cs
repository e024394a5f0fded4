using CoSellNet.Silo.Partners;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace CoSellNet.Silo;

/// <summary>Everything a CoSellNet silo needs on PostgreSQL: grain storage, reminders, services.</summary>
public static class SiloHosting
{
    /// <summary>The grain storage provider every CoSellNet grain uses.</summary>
    public const string StorageName = "cosellnet";
    public const string ConnectionStringName = "CoSellNet";
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Adds grain storage (Orleans binary serializer, not the Newtonsoft default), reminders and
    /// the project's services. Clustering is left to the host: ADO.NET for a node, the test
    /// cluster's own for grain tests.
    /// </summary>
    public static ISiloBuilder AddCoSellNet(this ISiloBuilder silo, string connectionString)
    {
        silo.AddAdoNetGrainStorage(StorageName, options =>
        {
            options.Configure<IServiceProvider>((o, services) =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>());
            });
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        // Reminder tuning (section Reminders: MinimumReminderPeriod, RefreshReminderListPeriod, …) is left
        // at Orleans' defaults unless configured; tests shorten it to see deadlines pass in seconds.
        silo.Services.AddOptions<ReminderOptions>().BindConfiguration("Reminders");
        silo.Services.AddCoSellNetServices(connectionString);
        return silo;
    }

    /// <summary>ADO.NET clustering on PostgreSQL, for real nodes.</summary>
    public static ISiloBuilder UseCoSellNetClustering(this ISiloBuilder silo, string connectionString) =>
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });

    private static void AddCoSellNetServices(this IServiceCollection services, string connectionString)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.TryAddSingleton<PartnerDirectory>();
        services.TryAddSingleton<Psi.PsiStore>();
        services.TryAddSingleton<Psi.ReblindStore>();
        services.TryAddSingleton<Psi.MatchStore>();
        services.TryAddSingleton<Feed.FeedStore>();
        services.TryAddSingleton<Rooms.RoomStore>();
        services.TryAddSingleton<Deals.DealStore>();
        services.AddOptions<Deals.DealOptions>().BindConfiguration(Deals.DealOptions.Section);
        services.TryAddSingleton<Pipeline.PipelineStore>();
        Webhooks.WebhookServices.AddCoSellNetWebhooks(services);
        services.AddCoSellNetSerialization();
    }

    /// <summary>
    /// Wire DTOs cross grain calls as JSON: CoSellNet.Protocol has no dependencies, so it carries
    /// no Orleans attributes. Silos and any external cluster client both need this.
    /// </summary>
    public static IServiceCollection AddCoSellNetSerialization(this IServiceCollection services) =>
        services.AddSerializer(s => s.AddJsonSerializer(t => t.Namespace == typeof(Protocol.Routes).Namespace));

    public static string RequireConnectionString(this IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"No PostgreSQL connection string: set ConnectionStrings:{ConnectionStringName} (env ConnectionStrings__{ConnectionStringName}), or start the node with deploy/run-node.sh, which sets it for the embedded PostgreSQL.");
}
