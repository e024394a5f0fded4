using System.Threading.RateLimiting;
using CoSellNet.Api.Auth;
using CoSellNet.Api.Directory;
using CoSellNet.Api.Health;
using CoSellNet.Api.Invitations;
using CoSellNet.Api.Keys;
using CoSellNet.Api.Partners;
using CoSellNet.Api.Partnerships;
using CoSellNet.Protocol;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.RateLimiting;
using OpenTelemetry.Metrics;

namespace CoSellNet.Api.Hosting;

/// <summary>The HTTP side of a node: auth, errors, limits, OpenAPI, metrics and the endpoint groups.</summary>
public static class ApiHosting
{
    public static WebApplicationBuilder AddCoSellNetApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var limits = builder.Configuration.GetSection(RateLimits.Section).Get<RateLimits>() ?? new RateLimits();
        services.AddSingleton(limits);

        services.Configure<JsonOptions>(o => o.SerializerOptions.AllowTrailingCommas = false);
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
            c.ProblemDetails.Extensions.TryAdd("traceId", c.HttpContext.TraceIdentifier));
        services.AddExceptionHandler<ProblemExceptionHandler>();

        services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder().AddCoSellNetPolicies();
        services.AddRateLimiter(o => limits.Configure(o));

        services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "CoSellNet node API";
            doc.Info.Description = "Private account mapping and co-selling. Authenticate with 'Authorization: Bearer <API key>'. " + limits.Describe();
            return Task.CompletedTask;
        }));
        services.AddCoSellNetHealth();
        services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter("Microsoft.Orleans", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Npgsql")
            .AddPrometheusExporter());
        return builder;
    }

    public static WebApplication MapCoSellNetApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();

        app.MapOpenApi().AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapCoSellNetHealth();

        var api = app.MapGroup(Routes.Prefix);
        api.MapPartners().MapDirectory().MapKeys().MapInvitations().MapPartnerships();

        app.Lifetime.ApplicationStarted.Register(() =>
            Console.WriteLine($"CoSellNet node listening on {string.Join(", ", app.Urls)} (API {Routes.Prefix}, OpenAPI {Routes.OpenApi})"));
        return app;
    }
}
