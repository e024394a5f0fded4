using System.Security.Cryptography;
using CoSellNet.Protocol;
using CoSellNet.Silo.Webhooks;
using Microsoft.Extensions.Options;

namespace CoSellNet.Api.Webhooks;

/// <summary>
/// Every node runs one: it claims due deliveries (FOR UPDATE SKIP LOCKED plus a lease, so two nodes never
/// send one delivery at once), sends them concurrently, and records each attempt and what follows from it:
/// delivered, a retry after exponential back-off with full jitter, or failed after the last attempt. It
/// polls, and an enqueue on the same node wakes it at once. Logs name deliveries and endpoints by id only:
/// never the secret, the signature, the body or the URL.
/// </summary>
public sealed partial class WebhookDispatcher(
    WebhookStore store, WebhookSender sender, WebhookWakeup wakeup, IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookDispatcher> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                var claims = await store.Claim(o.BatchSize, stoppingToken);
                claimed = claims.Count;
                failures = 0;
                if (claimed > 0) await Task.WhenAll(claims.Select(c => Deliver(c, stoppingToken)));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // PostgreSQL unreachable, or still starting: back off up to 30 s, and keep trying.
                failures++;
                LogClaimFailed(e, failures);
                await Sleep(TimeSpan.FromSeconds(Math.Min(30, failures * 2)), stoppingToken);
                continue;
            }
            if (claimed < o.BatchSize)
            {
                try { await wakeup.WaitAsync(o.PollInterval, stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    private async Task Deliver(WebhookClaim claim, CancellationToken stoppingToken)
    {
        try
        {
            WebhookAttemptResult result;
            try
            {
                result = await sender.Send(claim, store.OpenSecret(claim), stoppingToken);
            }
            catch (CryptographicException e)
            {
                // The message says what is wrong with the node's key; it never holds the secret.
                result = new WebhookAttemptResult(clock.GetUtcNow(), null, e.Message, 0);
            }
            var delay = WebhookBackoff.Delay(claim.Attempt, options.Value);
            using var recording = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var status = await store.Complete(claim, result, delay, recording.Token);
            switch (status)
            {
                case null:
                    LogLeaseLost(claim.DeliveryId, claim.EndpointId, claim.Attempt);
                    break;
                case WebhookDeliveryStatus.Delivered:
                    LogDelivered(claim.DeliveryId, claim.EndpointId, claim.EventType, claim.Attempt, result.StatusCode, result.DurationMs);
                    break;
                case WebhookDeliveryStatus.Pending:
                    LogRetry(claim.DeliveryId, claim.EndpointId, claim.Attempt, result.StatusCode, result.Error, delay.TotalSeconds);
                    break;
                default:
                    LogFailed(claim.DeliveryId, claim.EndpointId, claim.Attempt, result.StatusCode, result.Error);
                    break;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping mid-attempt: no attempt is recorded, and another node may take it at once.
            try
            {
                using var release = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await store.Release(claim, release.Token);
            }
            catch (Exception e)
            {
                LogReleaseFailed(e, claim.DeliveryId);
            }
        }
        catch (Exception e)
        {
            // Recording failed (PostgreSQL gone?): the lease runs out and the delivery is tried again.
            LogRecordFailed(e, claim.DeliveryId, claim.EndpointId);
        }
    }

    private static async Task Sleep(TimeSpan delay, CancellationToken ct)
    {
        try { await Task.Delay(delay, ct); }
        catch (OperationCanceledException) { }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook dispatcher could not claim deliveries ({Failures} times in a row); trying again")]
    private partial void LogClaimFailed(Exception e, int failures);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook delivery {Delivery} to endpoint {Endpoint} ({EventType}) delivered on attempt {Attempt}: {StatusCode} in {DurationMs} ms")]
    private partial void LogDelivered(string delivery, string endpoint, string eventType, int attempt, int? statusCode, long durationMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook delivery {Delivery} to endpoint {Endpoint}: attempt {Attempt} failed ({StatusCode}: {Error}); retry in {DelaySeconds:0.###} s")]
    private partial void LogRetry(string delivery, string endpoint, int attempt, int? statusCode, string? error, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {Delivery} to endpoint {Endpoint} failed for good after attempt {Attempt} ({StatusCode}: {Error}); the vendor can replay it")]
    private partial void LogFailed(string delivery, string endpoint, int attempt, int? statusCode, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {Delivery} to endpoint {Endpoint}: attempt {Attempt} finished after the claim was lost (lease ran out, or the endpoint was deleted); not recorded")]
    private partial void LogLeaseLost(string delivery, string endpoint, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {Delivery} to endpoint {Endpoint}: the attempt could not be recorded; it will be tried again when its lease runs out")]
    private partial void LogRecordFailed(Exception e, string delivery, string endpoint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook delivery {Delivery} could not be released on shutdown; its lease runs out instead")]
    private partial void LogReleaseFailed(Exception e, string delivery);
}
