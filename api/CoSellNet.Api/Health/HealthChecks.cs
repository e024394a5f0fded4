using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Orleans.Runtime;

namespace CoSellNet.Api.Health;

/// <summary><c>/health/live</c>: the process answers. <c>/health/ready</c>: the database answers and this silo is an active cluster member.</summary>
public static class HealthChecks
{
    private const string Ready = "ready";

    public static IServiceCollection AddCoSellNetHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseCheck>("database", tags: [Ready])
            .AddCheck<SiloCheck>("silo", tags: [Ready]);
        return services;
    }

    public static WebApplication MapCoSellNetHealth(this WebApplication app)
    {
        app.MapHealthChecks(Protocol.Routes.HealthLive, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Write })
            .DisableRateLimiting();
        app.MapHealthChecks(Protocol.Routes.HealthReady, new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = Write })
            .DisableRateLimiting();
        return app;
    }

    private static Task Write(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), e.Value.Description }),
        }));
    }

    private sealed class DatabaseCheck(NpgsqlDataSource db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            try
            {
                await using var cmd = db.CreateCommand("SELECT 1");
                await cmd.ExecuteScalarAsync(ct);
                return HealthCheckResult.Healthy("PostgreSQL answers.");
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("PostgreSQL does not answer: " + e.Message);
            }
        }
    }

    private sealed class SiloCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
            return Task.FromResult(status == SiloStatus.Active
                ? HealthCheckResult.Healthy($"Silo {silo.SiloAddress} is active.")
                : HealthCheckResult.Unhealthy($"Silo {silo.SiloAddress} is {status}."));
        }
    }
}
