using CoSellNet.Silo.Webhooks;
using Microsoft.Extensions.Options;
using Polly;

namespace CoSellNet.Api.Webhooks;

/// <summary>The node's webhook sending: the HttpClient it uses and the dispatcher that runs on every node.</summary>
public static class WebhookHosting
{
    public static IServiceCollection AddCoSellNetWebhookDelivery(this IServiceCollection services)
    {
        services.AddCoSellNetWebhooks();
        services.AddHttpClient(WebhookSender.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectTimeout = TimeSpan.FromSeconds(10),
            })
            // The default request logging writes URLs, which may carry a vendor's own tokens.
            .RemoveAllLoggers()
            // One attempt per request: retries are scheduled in PostgreSQL, not in memory, so they survive restarts.
            .AddResilienceHandler("webhook-attempt", (pipeline, context) =>
                pipeline.AddTimeout(context.ServiceProvider.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout));
        services.AddSingleton<WebhookSender>();
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }
}
