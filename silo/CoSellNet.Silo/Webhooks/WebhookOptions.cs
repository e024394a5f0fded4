using Microsoft.Extensions.Options;

namespace CoSellNet.Silo.Webhooks;

/// <summary>
/// How webhook deliveries are sent and retried (configuration section <c>Webhooks</c>). The defaults
/// are the published behaviour; tests shorten the delays.
/// </summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>How long one attempt may take until the endpoint's response headers arrive.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The back-off base: the n-th retry waits a random time in [0, min(MaxDelay, BaseDelay·2^(n−1))).</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The back-off cap.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Attempts per delivery, the first included; after the last failure it is <c>failed</c>.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>How long a claim holds a delivery away from other nodes; a node that dies mid-attempt gives it up after this.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a node looks for due deliveries when it has nothing to send (an enqueue on the same node wakes it at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries one node claims and sends concurrently per round.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// Whether endpoints may be on loopback, private, link-local and other non-public addresses. Off by
    /// default: a partner's URL must not make the node call what only the node can reach (see
    /// <see cref="PublicAddresses"/>). On for a node whose receivers are internal, and for development.
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Endpoints one vendor may register.</summary>
    public int MaxEndpointsPerVendor { get; set; } = 20;

    /// <summary>
    /// Optional: 32 bytes, base64, the same on every node. When set, signing secrets are sealed with
    /// AES-256-GCM before they are written to PostgreSQL, so a database dump or backup does not carry them.
    /// </summary>
    public string? SecretKey { get; set; }
}

/// <summary>Refuses settings that cannot work, at start-up, naming the setting.</summary>
public sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions o)
    {
        var errors = new List<string>();
        if (o.Timeout <= TimeSpan.Zero) errors.Add("Webhooks:Timeout must be positive.");
        if (o.BaseDelay <= TimeSpan.Zero) errors.Add("Webhooks:BaseDelay must be positive.");
        if (o.MaxDelay < o.BaseDelay) errors.Add("Webhooks:MaxDelay must be at least Webhooks:BaseDelay.");
        if (o.MaxAttempts is < 1 or > 100) errors.Add("Webhooks:MaxAttempts must be 1 to 100.");
        if (o.Lease <= o.Timeout) errors.Add("Webhooks:Lease must be longer than Webhooks:Timeout, or another node could send a delivery still in flight.");
        if (o.PollInterval <= TimeSpan.Zero) errors.Add("Webhooks:PollInterval must be positive.");
        if (o.BatchSize is < 1 or > 1000) errors.Add("Webhooks:BatchSize must be 1 to 1000.");
        if (o.MaxEndpointsPerVendor < 1) errors.Add("Webhooks:MaxEndpointsPerVendor must be 1 or more.");
        if (o.SecretKey is not null && !WebhookSecrets.TryParseKey(o.SecretKey, out _))
            errors.Add("Webhooks:SecretKey must be 32 bytes in base64 (e.g. from 'openssl rand -base64 32').");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
