using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace CoSellNet.Client;

/// <summary>
/// The standard resilience handler (rate limiter, total timeout, retry, circuit breaker, attempt
/// timeout), with retries limited to requests that are safe to repeat.
/// </summary>
internal static class CoSellNetResilience
{
    public static void Configure(HttpStandardResilienceOptions o, CoSellNetClientOptions options)
    {
        options.Validate();
        o.TotalRequestTimeout.Timeout = options.TotalTimeout;
        o.AttemptTimeout.Timeout = options.AttemptTimeout;
        // The standard options require the breaker to sample at least two attempt timeouts.
        var sampling = 2 * options.AttemptTimeout + TimeSpan.FromSeconds(1);
        if (o.CircuitBreaker.SamplingDuration < sampling) o.CircuitBreaker.SamplingDuration = sampling;

        var maxRetryAfter = options.MaxRetryAfter;
        var retries = options.MaxRetryAttempts;
        o.Retry.MaxRetryAttempts = Math.Max(1, retries); // Polly requires at least 1; 0 is handled by the predicate.
        o.Retry.Delay = options.RetryDelay;
        o.Retry.ShouldRetryAfterHeader = true;
        o.Retry.ShouldHandle = args => ValueTask.FromResult(
            retries > 0 && ShouldRetry(args.Context.GetRequestMessage(), args.Outcome, maxRetryAfter, DateTimeOffset.UtcNow));
    }

    /// <summary>
    /// Marks a request whose method is not idempotent but whose effect is (a POST the node
    /// deduplicates, e.g. by a client-chosen id): it is retried like a PUT.
    /// </summary>
    internal static readonly HttpRequestOptionsKey<bool> Idempotent = new("CoSellNet.Idempotent");

    /// <summary><see cref="ShouldRetry(HttpMethod?, Outcome{HttpResponseMessage}, TimeSpan, DateTimeOffset, bool)"/> for a request, honouring <see cref="Idempotent"/>.</summary>
    internal static bool ShouldRetry(HttpRequestMessage? request, Outcome<HttpResponseMessage> outcome, TimeSpan maxRetryAfter, DateTimeOffset now) =>
        ShouldRetry(request?.Method, outcome, maxRetryAfter, now,
            markedIdempotent: request is not null && request.Options.TryGetValue(Idempotent, out var marked) && marked);

    /// <summary>
    /// Whether a failed attempt may be repeated. A 429 was refused before the node did anything, and
    /// a request that never connected never arrived, so both are retried whatever the method (a 429
    /// only while its Retry-After is within <paramref name="maxRetryAfter"/>). Other transient
    /// failures (5xx, 408, timeouts, broken connections) are retried only for idempotent methods:
    /// a POST that creates a key, an invitation or a partner, or rotates an epoch, is never repeated
    /// blindly, unless the request is marked <paramref name="markedIdempotent"/> (the node deduplicates it).
    /// </summary>
    internal static bool ShouldRetry(HttpMethod? method, Outcome<HttpResponseMessage> outcome, TimeSpan maxRetryAfter, DateTimeOffset now, bool markedIdempotent = false)
    {
        if (outcome.Result is { } response && ProblemReader.RetryAfterOf(response.Headers.RetryAfter, now) is { } wait && wait > maxRetryAfter)
            return false;
        if (outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests })
            return true;
        if (outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError })
            return true;
        return method is not null && (markedIdempotent || IsIdempotent(method)) && HttpClientResiliencePredicates.IsTransient(outcome);
    }

    internal static bool IsIdempotent(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options ||
        method == HttpMethod.Put || method == HttpMethod.Delete || method == HttpMethod.Trace;
}
