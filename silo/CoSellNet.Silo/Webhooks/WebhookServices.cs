using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CoSellNet.Silo.Webhooks;

/// <summary>Registers the webhook store and outbox on a silo.</summary>
public static class WebhookServices
{
    public static IServiceCollection AddCoSellNetWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        services.TryAddSingleton<WebhookSecrets>();
        services.TryAddSingleton<WebhookStore>();
        services.TryAddSingleton<WebhookWakeup>();
        services.TryAddSingleton<WebhookOutbox>();
        services.TryAddSingleton<IWebhookOutbox>(sp => sp.GetRequiredService<WebhookOutbox>());
        return services;
    }
}
