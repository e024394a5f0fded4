using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using CoSellNet.Api.Auth;
using CoSellNet.Api.Invitations;
using Microsoft.AspNetCore.RateLimiting;

namespace CoSellNet.Api.Hosting;

/// <summary>
/// Published rate limits (configuration section <c>RateLimits</c>): a fixed window per API key
/// principal, a smaller one per client address for unauthenticated calls, and one for redeeming
/// invitations (guessing tokens). Refusals are 429 ProblemDetails with Retry-After.
/// </summary>
public sealed class RateLimits
{
    public const string Section = "RateLimits";

    public int PermitsPerMinute { get; set; } = 1200;
    public int AnonymousPermitsPerMinute { get; set; } = 60;
    public int RedeemPermitsPerMinute { get; set; } = 10;

    public string Describe() =>
        $"Rate limits: {PermitsPerMinute} requests per minute per partner (or operator), {AnonymousPermitsPerMinute} per minute per address without a key, " +
        $"{RedeemPermitsPerMinute} invitation redemptions per minute per address; over a limit the answer is 429 with Retry-After.";

    internal void Configure(RateLimiterOptions o)
    {
        o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            var principal = context.User.FindFirst(Claims.Principal)?.Value;
            return principal is not null
                ? Window("key:" + principal, PermitsPerMinute)
                : Window("ip:" + context.Connection.RemoteIpAddress, AnonymousPermitsPerMinute);
        });
        o.AddPolicy(InvitationEndpoints.RedeemRateLimit, context =>
            Window("redeem:" + context.Connection.RemoteIpAddress, RedeemPermitsPerMinute));
        o.OnRejected = async (rejected, _) =>
        {
            var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await Problems.Write(rejected.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests",
                $"This node accepts at most {LimitFor(rejected.HttpContext)}. Retry after {seconds} seconds.");
        };
    }

    /// <summary>The limit that applies to this request, as the object of "accepts at most ...".</summary>
    private string LimitFor(HttpContext context)
    {
        // A redemption counts against both the redemption window and the per-address window; name both.
        if (context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == InvitationEndpoints.RedeemRateLimit)
            return $"{RedeemPermitsPerMinute} invitation redemptions and {AnonymousPermitsPerMinute} requests in all per minute from one address";
        return context.User.FindFirst(Claims.Principal) is not null
            ? $"{PermitsPerMinute} requests per minute per partner (or operator)"
            : $"{AnonymousPermitsPerMinute} requests per minute from one address without an API key";
    }

    private static RateLimitPartition<string> Window(string key, int permits) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
}
