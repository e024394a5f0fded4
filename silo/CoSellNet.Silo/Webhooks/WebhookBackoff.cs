namespace CoSellNet.Silo.Webhooks;

/// <summary>
/// When a failed delivery is tried again: exponential back-off with full jitter. After failed attempt
/// n (1, 2, …) the wait is uniform in [0, min(cap, base·2^(n−1))). With the defaults (base 2 s, cap
/// 10 min, 8 attempts) the ceilings are 2, 4, 8, 16, 32, 64 and 128 s, so a delivery that never gets
/// through is given up after at most about 4¼ minutes of waiting. Full jitter spreads the retries of
/// many deliveries that failed together (an endpoint that was down) instead of sending them in waves.
/// </summary>
public static class WebhookBackoff
{
    /// <summary>The ceiling of the wait after failed attempt <paramref name="attempt"/> (1-based).</summary>
    public static TimeSpan Ceiling(int attempt, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        // 2^62 ticks overflows nothing; beyond that the cap has long been reached.
        var exponent = Math.Min(attempt - 1, 40);
        var ticks = baseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= maxDelay.Ticks ? maxDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The wait after failed attempt <paramref name="attempt"/>: <paramref name="random"/> (in [0, 1)) times its ceiling.</summary>
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, double random)
    {
        if (random is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(random), random, "Must be in [0, 1).");
        return TimeSpan.FromTicks((long)(Ceiling(attempt, baseDelay, maxDelay).Ticks * random));
    }

    public static TimeSpan Delay(int attempt, WebhookOptions options) =>
        Delay(attempt, options.BaseDelay, options.MaxDelay, Random.Shared.NextDouble());
}
