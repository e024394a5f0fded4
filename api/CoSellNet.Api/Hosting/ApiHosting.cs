using System.Threading.RateLimiting;
using CoSellNet.Api.Auth;
using CoSellNet.Api.Deals;
using CoSellNet.Api.Directory;
using CoSellNet.Api.Feed;
using CoSellNet.Api.Health;
using CoSellNet.Api.Invitations;
using CoSellNet.Api.Keys;
using CoSellNet.Api.Partners;
using CoSellNet.Api.Partnerships;
using CoSellNet.Api.Pipeline;
using CoSellNet.Api.Psi;
using CoSellNet.Api.Rooms;
using CoSellNet.Api.Webhooks;
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
        services.AddSingleton(builder.Configuration.GetSection(PsiLimits.Section).Get<PsiLimits>() ?? new PsiLimits());

        services.Configure<JsonOptions>(o => o.SerializerOptions.AllowTrailingCommas = false);
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Extensions.TryAdd("traceId", c.HttpContext.TraceIdentifier);
            // Refusals made by routing itself (no endpoint, wrong method, wrong content type) carry no detail of their own.
            c.ProblemDetails.Detail ??= c.ProblemDetails.Status switch
            {
                StatusCodes.Status404NotFound => "There is nothing at this address. The API is under /api/v1; see /openapi/v1.json.",
                StatusCodes.Status405MethodNotAllowed => "This address does not take that HTTP method; see /openapi/v1.json.",
                StatusCodes.Status415UnsupportedMediaType => "This endpoint does not take that Content-Type; see /openapi/v1.json for what it accepts.",
                _ => "See /openapi/v1.json for how to call this node.",
            };
        });
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
        services.AddSignalR();
        services.AddHostedService<FeedRelay>();
        services.AddCoSellNetWebhookDelivery();
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
        api.MapPartners().MapDirectory().MapKeys().MapInvitations().MapPartnerships().MapPsiUploads().MapPsiTasks().MapPsiResults().MapFeed().MapRooms().MapPrograms().MapWebhooks().MapPipeline();
        app.MapHub<FeedHub>(Routes.FeedHub);

        app.Lifetime.ApplicationStarted.Register(() =>
            Console.WriteLine($"CoSellNet node listening on {string.Join(", ", app.Urls)} (API {Routes.Prefix}, OpenAPI {Routes.OpenApi})"));
        return app;
    }
}
