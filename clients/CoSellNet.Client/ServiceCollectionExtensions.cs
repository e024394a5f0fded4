using CoSellNet.Client;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="CoSellNetClient"/> with dependency injection.</summary>
public static class CoSellNetServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CoSellNetClient"/> as a typed HttpClient with the standard resilience handler
    /// (see <see cref="CoSellNetClientOptions"/> for what is retried). Resolve <see cref="CoSellNetClient"/>
    /// where you need it. The returned builder can add handlers of your own.
    /// </summary>
    /// <example><code>
    /// services.AddCoSellNetClient(o =>
    /// {
    ///     o.BaseAddress = new Uri("https://cosell.example.com/");
    ///     o.ApiKey = configuration["CoSellNet:Key"];
    /// });
    /// </code></example>
    public static IHttpClientBuilder AddCoSellNetClient(this IServiceCollection services, Action<CoSellNetClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CoSellNetClientOptions>().Configure(configure);
        return AddCoSellNetHttpClient(services);
    }

    /// <summary>The typed HttpClient and its resilience handler, reading <see cref="CoSellNetClientOptions"/> from the container.</summary>
    internal static IHttpClientBuilder AddCoSellNetHttpClient(IServiceCollection services)
    {
        var builder = services
            .AddHttpClient(CoSellNetClient.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan) // the resilience handler times out
            .AddTypedClient((http, sp) => new CoSellNetClient(http, sp.GetRequiredService<IOptions<CoSellNetClientOptions>>().Value));
        builder.AddStandardResilienceHandler()
            .Configure((o, sp) => CoSellNetResilience.Configure(o, sp.GetRequiredService<IOptions<CoSellNetClientOptions>>().Value));
        return builder;
    }
}
