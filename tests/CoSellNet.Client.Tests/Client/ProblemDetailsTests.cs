using System.Net;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Protocol;

namespace CoSellNet.Client.Tests.Client;

/// <summary>How the client reads the node's refusals (RFC 7807) and other unsuccessful answers.</summary>
public sealed class ProblemDetailsTests
{
    [Fact]
    public async Task A_not_found_problem_becomes_a_typed_exception_with_the_nodes_words()
    {
        var node = new StubNode().Problem(404, "Partnership not found",
            "You have no partnership with 9b8a. Partner ids are in the directory (GET /api/v1/directory).",
            ""","traceId":"00-abc-def-00" """);
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetApiException>(() => client.GetPartnershipAsync("9b8a"));

        Assert.Equal(404, e.Status);
        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        Assert.Equal("Partnership not found", e.Title);
        Assert.StartsWith("You have no partnership with 9b8a.", e.Detail);
        Assert.Equal("00-abc-def-00", e.TraceId);
        Assert.Equal("GET", e.Method);
        Assert.Equal("/api/v1/partnerships/9b8a", e.Path);
        Assert.Empty(e.Errors);
        Assert.Contains("Partnership not found (404): You have no partnership with 9b8a.", e.Message);
        Assert.Single(node.Received); // a 404 is not retried
    }

    [Fact]
    public async Task Validation_errors_are_kept_per_field_and_listed_in_the_message()
    {
        var node = new StubNode().Problem(400, "Invalid request", "Fix the fields below and send again.",
            ""","errors":{"domain":["'x' is not a company website domain."],"type":["must be one of: vendor, reseller."]}""");
        using var client = node.Client(Keys.Operator);

        var e = await Assert.ThrowsAsync<CoSellNetApiException>(() =>
            client.CreatePartnerAsync(new PartnerRegistration("Acme", "x", PartnerType.Vendor)));

        Assert.Equal(400, e.Status);
        Assert.Equal(["domain", "type"], e.Errors.Keys.Order());
        Assert.Equal("'x' is not a company website domain.", Assert.Single(e.Errors["domain"]));
        Assert.Contains("domain: 'x' is not a company website domain.", e.Message);
        Assert.Contains("type: must be one of: vendor, reseller.", e.Message);
    }

    [Fact]
    public async Task A_429_asking_to_wait_longer_than_the_client_will_fails_at_once_with_the_wait()
    {
        var node = new StubNode().Problem(429, "Too many requests", "This node allows 1200 requests per minute. Retry after 45 seconds.",
            also: r => r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(45)));
        using var client = node.Client(configure: o => o.MaxRetryAfter = TimeSpan.FromSeconds(10));

        var e = await Assert.ThrowsAsync<CoSellNetApiException>(() => client.GetMeAsync());

        Assert.Equal(429, e.Status);
        Assert.Equal(TimeSpan.FromSeconds(45), e.RetryAfter);
        Assert.Single(node.Received);
    }

    [Fact]
    public async Task An_answer_that_is_not_a_problem_still_says_what_happened()
    {
        var node = new StubNode().Text(HttpStatusCode.BadGateway, "<html><body>upstream down</body></html>", "text/html");
        using var client = node.Client(configure: o => o.MaxRetryAttempts = 0);

        var e = await Assert.ThrowsAsync<CoSellNetApiException>(() => client.GetMeAsync());

        Assert.Equal(502, e.Status);
        Assert.Equal("Bad Gateway", e.Title);
        Assert.Contains("without a problem description", e.Detail);
        Assert.Contains("may be down", e.Detail);
        Assert.DoesNotContain("<html>", e.Message); // HTML bodies are not dumped
    }

    [Fact]
    public async Task A_plain_text_error_body_is_quoted_on_one_line()
    {
        var node = new StubNode().Text(HttpStatusCode.Forbidden, "blocked by\nproxy policy");
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetApiException>(() => client.GetMeAsync());

        Assert.Equal(403, e.Status);
        Assert.Contains("blocked by proxy policy", e.Detail);
    }

    [Fact]
    public async Task An_unreadable_success_answer_is_a_client_exception_not_a_crash()
    {
        var node = new StubNode().RawJson(HttpStatusCode.OK, """{"entry": 42}""");
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetException>(() => client.GetMeAsync());

        Assert.IsNotType<CoSellNetApiException>(e);
        Assert.Contains("GET /api/v1/partners/me", e.Message);
        Assert.Contains("PartnerProfile", e.Message);
    }

    [Fact]
    public async Task An_unknown_enum_value_from_the_node_is_reported_clearly()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(Samples.Partnership(), ReflectionJson.Options).Replace("\"active\"", "\"frozen\"");
        var node = new StubNode().RawJson(HttpStatusCode.OK, json);
        using var client = node.Client();

        var e = await Assert.ThrowsAsync<CoSellNetException>(() => client.GetPartnershipAsync(Samples.ThemId));

        Assert.Contains("could not be read as PartnershipView", e.Message);
    }
}
