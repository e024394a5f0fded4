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
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                ConnectCallback = ConnectAllowed(provider.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateAddresses),
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

    /// <summary>
    /// Connects to the first address of the endpoint's host that a webhook may go to: the check is
    /// on the address connected to, so a name that resolves to an internal address at delivery
    /// (whatever it resolved to at registration) is refused.
    /// </summary>
    private static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectAllowed(bool allowPrivate) => async (context, ct) =>
    {
        var host = context.DnsEndPoint.Host;
        var resolved = System.Net.IPAddress.TryParse(host, out var literal) ? [literal] : await System.Net.Dns.GetHostAddressesAsync(host, ct);
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(PublicAddresses.Allowed(host, resolved, allowPrivate), context.DnsEndPoint.Port, ct);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };
}
