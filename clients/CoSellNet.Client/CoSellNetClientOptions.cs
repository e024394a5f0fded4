namespace CoSellNet.Client;

/// <summary>Where a <see cref="CoSellNetClient"/> connects, with which key, and how patiently.</summary>
public sealed class CoSellNetClientOptions
{
    /// <summary>The node's base address, e.g. <c>https://cosell.example.com/</c> (http or https). Required.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>
    /// The bearer API key (<c>csn_&lt;partnerId&gt;_&lt;keyId&gt;_&lt;secret&gt;</c>, or the operator's
    /// <c>csn_op_…</c>). May be null for the anonymous call (redeeming an invitation).
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// How many times a failed request is retried (0 to 10, default 3). Only requests that are safe
    /// to repeat are retried: GET, PUT and DELETE on transient failures; any request the node
    /// refused with 429 before doing anything, or that never reached it.
    /// </summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>The first retry's delay; later ones back off exponentially with jitter (default 1 s).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest <c>Retry-After</c> the client waits out by itself (default 30 s). When the node asks
    /// for a longer wait, the call fails at once with a 429 <see cref="CoSellNetApiException"/> whose
    /// <see cref="CoSellNetApiException.RetryAfter"/> says how long.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one attempt may take (default 30 s).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a call may take across all its attempts and waits (default 3 min).</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>A copy, so a client never sees later changes to the options it was built from.</summary>
    internal CoSellNetClientOptions Clone() => (CoSellNetClientOptions)MemberwiseClone();

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming what is wrong (never echoing the key).</summary>
    internal void Validate()
    {
        if (BaseAddress is null)
            throw new ArgumentException("CoSellNetClientOptions.BaseAddress is required: the node's URL, e.g. https://cosell.example.com/.");
        if (!BaseAddress.IsAbsoluteUri || (BaseAddress.Scheme != Uri.UriSchemeHttp && BaseAddress.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"CoSellNetClientOptions.BaseAddress must be an absolute http or https URL, not '{BaseAddress}'.");
        if (!string.IsNullOrEmpty(BaseAddress.Query) || !string.IsNullOrEmpty(BaseAddress.Fragment))
            throw new ArgumentException($"CoSellNetClientOptions.BaseAddress must not have a query or fragment: '{BaseAddress.GetLeftPart(UriPartial.Path)}…'.");
        if (ApiKey is not null)
            ApiKeyFormat.ThrowIfMalformed(ApiKey, "CoSellNetClientOptions.ApiKey");
        if (MaxRetryAttempts is < 0 or > 10)
            throw new ArgumentException("CoSellNetClientOptions.MaxRetryAttempts must be between 0 and 10.");
        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(1))
            throw new ArgumentException("CoSellNetClientOptions.RetryDelay must be between 0 and 1 minute.");
        if (MaxRetryAfter < TimeSpan.Zero)
            throw new ArgumentException("CoSellNetClientOptions.MaxRetryAfter must not be negative.");
        if (AttemptTimeout < TimeSpan.FromSeconds(1) || AttemptTimeout > TimeSpan.FromHours(1))
            throw new ArgumentException("CoSellNetClientOptions.AttemptTimeout must be between 1 second and 1 hour.");
        if (TotalTimeout < AttemptTimeout || TotalTimeout > TimeSpan.FromDays(1))
            throw new ArgumentException("CoSellNetClientOptions.TotalTimeout must be at least AttemptTimeout and at most 1 day.");
    }

    /// <summary>The base address with a trailing slash, so routes resolve under a path prefix too.</summary>
    internal Uri NormalizedBase()
    {
        var b = BaseAddress!;
        return b.AbsolutePath.EndsWith('/') ? b : new Uri(b.GetLeftPart(UriPartial.Path) + "/");
    }
}
