using System.Diagnostics;
using System.Text;
using CoSellNet.Protocol;
using CoSellNet.Silo.Webhooks;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace CoSellNet.Api.Webhooks;

/// <summary>
/// Sends one attempt of one delivery: a signed POST through the <c>webhooks</c> HttpClient (Polly timeout per
/// attempt, no redirects, no request logging: URLs may carry the vendor's own tokens). The signature header is
/// built here and goes into the request only; nothing here logs.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, IOptions<WebhookOptions> options, TimeProvider clock)
{
    public const string HttpClientName = "CoSellNet.Webhooks";

    public async Task<WebhookAttemptResult> Send(WebhookClaim claim, string secret, CancellationToken ct)
    {
        var at = clock.GetUtcNow();
        var watch = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, claim.Url)
        {
            Content = new StringContent(claim.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation(WebhookHeaders.Signature, WebhookSignature.Header(secret, at, claim.Body));
        request.Headers.TryAddWithoutValidation(WebhookHeaders.Delivery, claim.DeliveryId);
        request.Headers.TryAddWithoutValidation(WebhookHeaders.Event, claim.EventType);
        request.Headers.UserAgent.ParseAdd("CoSellNet-Webhooks/1");

        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var code = (int)response.StatusCode;
            string? error = code switch
            {
                >= 200 and < 300 => null,
                >= 300 and < 400 => $"The endpoint answered {code} (a redirect); redirects are not followed: register the final URL.",
                _ => $"The endpoint answered {code}{(string.IsNullOrEmpty(response.ReasonPhrase) ? "" : " " + response.ReasonPhrase)}.",
            };
            return new WebhookAttemptResult(at, code, error, watch.ElapsedMilliseconds);
        }
        catch (TimeoutRejectedException)
        {
            return new WebhookAttemptResult(at, null, $"No answer within {options.Value.Timeout.TotalSeconds:0.###} s.", watch.ElapsedMilliseconds);
        }
        catch (HttpRequestException e)
        {
            return new WebhookAttemptResult(at, null, $"Could not reach the endpoint ({e.HttpRequestError}): {e.Message}", watch.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new WebhookAttemptResult(at, null, "The request was cancelled before the endpoint answered.", watch.ElapsedMilliseconds);
        }
    }
}
