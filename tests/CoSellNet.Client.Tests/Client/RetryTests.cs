using System.Net;
using System.Net.Http.Headers;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Protocol;
using Polly;

namespace CoSellNet.Client.Tests.Client;

/// <summary>
/// The resilience pipeline repeats only what is safe to repeat: reads and idempotent writes on
/// transient failures; anything refused with 429 (after its Retry-After) or never delivered.
/// </summary>
public sealed class RetryTests
{
    [Fact]
    public async Task A_get_is_retried_after_a_transient_failure()
    {
        var node = new StubNode()
            .Problem(503, "Unavailable", "The silo is starting.")
            .Json(HttpStatusCode.OK, Samples.Profile());
        using var client = node.Client();

        var me = await client.GetMeAsync();

        Assert.Equal("Acme Analytics", me.Entry.Name);
        Assert.Equal(2, node.Received.Count);
    }

    [Fact]
    public async Task A_put_is_retried_with_the_same_body()
    {
        var node = new StubNode()
            .Problem(500, "Unexpected error", "Retry later.")
            .Json(HttpStatusCode.OK, Samples.Partnership());
        using var client = node.Client();

        await client.SetMotionsAsync(Samples.ThemId, ["co-sell", "referral"]);

        Assert.Equal(2, node.Received.Count);
        Assert.Equal("""{"motions":["co-sell","referral"]}""", node.Received[0].Body);
        Assert.Equal(node.Received[0].Body, node.Received[1].Body);
    }

    [Fact]
    public async Task A_post_that_creates_something_is_never_repeated_after_a_server_failure()
    {
        var node = new StubNode()
            .Problem(500, "Unexpected error", "The node failed to handle this request.")
            .Json(HttpStatusCode.Created, Samples.CreatedKey());
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetApiException>(() =>
            client.CreateKeyAsync(new ApiKeyRequest("ci", [ApiKeyScope.Read])));

        Assert.Equal(500, e.Status);
        Assert.Single(node.Received); // the key might exist already: a second POST would make another
    }

    [Fact]
    public async Task A_rotate_that_timed_out_is_not_repeated()
    {
        var node = new StubNode()
            .Throw(() => new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely."))
            .Json(HttpStatusCode.OK, Samples.Partnership(epoch: 2));
        using var client = node.Client();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.RotatePartnershipAsync(Samples.ThemId));

        Assert.Single(node.Received); // one more would bump the epoch twice
    }

    [Fact]
    public async Task A_post_refused_with_429_is_retried_after_retry_after()
    {
        var node = new StubNode()
            .Problem(429, "Too many requests", "Retry after 0 seconds.",
                also: r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.Zero))
            .Json(HttpStatusCode.Created, Samples.CreatedKey());
        using var client = node.Client();

        var created = await client.CreateKeyAsync(new ApiKeyRequest("ci", [ApiKeyScope.Read]));

        Assert.Equal("ci", created.Key.Name);
        Assert.Equal(2, node.Received.Count);
    }

    [Fact]
    public async Task A_post_that_never_connected_is_retried()
    {
        var node = new StubNode()
            .Throw(() => new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (node.test:80)"))
            .Json(HttpStatusCode.Created, Samples.CreatedKey());
        using var client = node.Client();

        await client.CreateKeyAsync(new ApiKeyRequest("ci", [ApiKeyScope.Read]));

        Assert.Equal(2, node.Received.Count);
    }

    [Fact]
    public async Task Retries_stop_after_the_configured_attempts()
    {
        var node = new StubNode().Problem(503, "Unavailable", "Down.");
        using var client = node.Client(configure: o => o.MaxRetryAttempts = 2);

        var e = await Assert.ThrowsAsync<CoSellNetApiException>(() => client.GetMeAsync());

        Assert.Equal(503, e.Status);
        Assert.Equal(3, node.Received.Count);
    }

    [Fact]
    public async Task Zero_retries_means_one_attempt()
    {
        var node = new StubNode().Problem(503, "Unavailable", "Down.");
        using var client = node.Client(configure: o => o.MaxRetryAttempts = 0);

        await Assert.ThrowsAsync<CoSellNetApiException>(() => client.GetMeAsync());

        Assert.Single(node.Received);
    }

    [Fact]
    public async Task Client_errors_are_not_retried()
    {
        var node = new StubNode().Problem(409, "Partnership exists", "You already proposed a partnership with this partner.");
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetApiException>(() => client.SetRulesAsync(Samples.ThemId, []));

        Assert.Equal(409, e.Status);
        Assert.Single(node.Received);
    }

    [Theory]
    [InlineData("GET", 503, true)]
    [InlineData("DELETE", 500, true)]
    [InlineData("PUT", 408, true)]
    [InlineData("POST", 503, false)]
    [InlineData("POST", 500, false)]
    [InlineData("POST", 429, true)]
    [InlineData("GET", 404, false)]
    [InlineData("GET", 401, false)]
    public void The_retry_rule_by_method_and_status(string method, int status, bool retried)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);
        Assert.Equal(retried, CoSellNetResilience.ShouldRetry(new HttpMethod(method), Outcome.FromResult(response), TimeSpan.FromSeconds(30), DateTimeOffset.UtcNow));
    }

    [Fact]
    public void A_retry_after_date_beyond_the_cap_is_not_waited_for()
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var soon = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        soon.Headers.RetryAfter = new RetryConditionHeaderValue(now.AddSeconds(20));
        using var late = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        late.Headers.RetryAfter = new RetryConditionHeaderValue(now.AddMinutes(5));

        Assert.True(CoSellNetResilience.ShouldRetry(HttpMethod.Post, Outcome.FromResult(soon), TimeSpan.FromSeconds(30), now));
        Assert.False(CoSellNetResilience.ShouldRetry(HttpMethod.Get, Outcome.FromResult(late), TimeSpan.FromSeconds(30), now));
    }
}
