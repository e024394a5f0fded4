using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CoSellNet.Client;

namespace CoSellNet.Client.Tests.Support;

/// <summary>A request as the stub node received it.</summary>
public sealed record Received(HttpMethod Method, string PathAndQuery, string? Authorization, string? Body, string? ContentType);

/// <summary>
/// The innermost HTTP handler for tests: it answers with canned HTTP responses (status, headers,
/// body bytes), so the client's real pipeline — resilience handler, serialization, problem parsing —
/// runs on top of it. Answers are taken in order; the last one repeats.
/// </summary>
public sealed class StubNode : HttpMessageHandler
{
    private readonly List<Func<HttpRequestMessage, HttpResponseMessage>> _answers = [];
    private readonly List<Received> _received = [];
    private int _next;

    public IReadOnlyList<Received> Received
    {
        get { lock (_received) return [.. _received]; }
    }

    public StubNode Answer(Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        _answers.Add(answer);
        return this;
    }

    public StubNode Json(HttpStatusCode status, object body, Action<HttpResponseMessage>? also = null) =>
        Answer(_ =>
        {
            var response = Response(status, JsonSerializer.Serialize(body, ReflectionJson.Options), "application/json");
            also?.Invoke(response);
            return response;
        });

    public StubNode RawJson(HttpStatusCode status, string json) =>
        Answer(_ => Response(status, json, "application/json"));

    public StubNode Problem(int status, string title, string detail, string? extra = null, Action<HttpResponseMessage>? also = null) =>
        Answer(_ =>
        {
            var json = $$"""{"type":"https://tools.ietf.org/html/rfc9110","title":{{JsonSerializer.Serialize(title)}},"status":{{status}},"detail":{{JsonSerializer.Serialize(detail)}}{{extra ?? ""}}}""";
            var response = Response((HttpStatusCode)status, json, "application/problem+json");
            also?.Invoke(response);
            return response;
        });

    public StubNode Text(HttpStatusCode status, string text, string mediaType = "text/plain") =>
        Answer(_ => Response(status, text, mediaType));

    public StubNode Throw(Func<Exception> exception) => Answer(_ => throw exception());

    public static HttpResponseMessage Response(HttpStatusCode status, string body, string mediaType)
    {
        var response = new HttpResponseMessage(status) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType) { CharSet = "utf-8" };
        return response;
    }

    /// <summary>A standalone client over this stub with no retry delays.</summary>
    public CoSellNetClient Client(string? apiKey = Keys.Partner, string baseAddress = "http://node.test/", Action<CoSellNetClientOptions>? configure = null)
    {
        var options = new CoSellNetClientOptions { BaseAddress = new Uri(baseAddress), ApiKey = apiKey, RetryDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        return new CoSellNetClient(options, () => this);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        Func<HttpRequestMessage, HttpResponseMessage> answer;
        lock (_received)
        {
            _received.Add(new Received(request.Method, request.RequestUri!.PathAndQuery, request.Headers.Authorization?.ToString(), body,
                request.Content?.Headers.ContentType?.ToString()));
            if (_answers.Count == 0) throw new InvalidOperationException($"The stub node has no answer for {request.Method} {request.RequestUri}.");
            answer = _answers[Math.Min(_next++, _answers.Count - 1)];
        }
        var response = answer(request);
        response.RequestMessage = request;
        return response;
    }

    // The HttpClientFactory disposes handlers with its provider; the stub outlives any one client.
    protected override void Dispose(bool disposing) { }
}

/// <summary>Well-formed keys for tests (not valid on any node).</summary>
public static class Keys
{
    public const string Partner = "csn_4f2a9c1d0b7e4a3f8c2d1e0f9a8b7c6d_0123456789abcdef_Zm9vYmFyYmF6cXV4cXV1eGZvb2Jhcl9iYXpfcXV4";
    public const string Other = "csn_aaaabbbbccccdddd_fedcba9876543210_c2Vjb25kLXNlY3JldC1mb3ItdGVzdHMtb25seS0xMjM0";
    public const string Operator = "csn_op_00112233aabbccdd_b3BlcmF0b3Itc2VjcmV0LWZvci10ZXN0cy1vbmx5LTEyMzQ1";
    public const string InvitationToken = "inv_op_1122334455667788_aW52aXRhdGlvbi1zZWNyZXQtZm9yLXRlc3RzLTEyMzQ1Njc4";
}
