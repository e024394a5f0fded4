using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CoSellNet.Client;

/// <summary>Turns an unsuccessful HTTP answer into a <see cref="CoSellNetApiException"/>.</summary>
internal static class ProblemReader
{
    private const int MaxBodyChars = 64 * 1024;
    private const int MaxSnippet = 300;

    public static async Task<CoSellNetApiException> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var retryAfter = RetryAfterOf(response.Headers.RetryAfter, DateTimeOffset.UtcNow);
        var request = response.RequestMessage;
        var method = request?.Method.Method;
        var path = request?.RequestUri?.AbsolutePath;

        string body;
        try
        {
            body = response.Content is null ? "" : await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            body = "";
        }
        if (body.Length > MaxBodyChars) body = body[..MaxBodyChars];

        var mediaType = response.Content?.Headers.ContentType?.MediaType;
        if (IsJson(mediaType) && TryParse(body, out var problem))
        {
            // The HTTP status is authoritative; a body that claims another one is ignored on that point.
            return new CoSellNetApiException(
                status,
                string.IsNullOrWhiteSpace(problem.Title) ? Reason(response) : problem.Title!,
                problem.Detail,
                problem.Errors,
                retryAfter,
                problem.TraceId,
                method,
                path);
        }

        // Not a ProblemDetails: a proxy, a load balancer, or something that is not a CoSellNet node.
        var detail = $"The server answered {status} {Reason(response)} without a problem description";
        var snippet = Snippet(body, mediaType);
        detail += snippet is null ? "." : $": {snippet}";
        if (status is 502 or 503 or 504) detail += " The node may be down or restarting; try again shortly.";
        else if (status == 404) detail += " Check that the URL points at a CoSellNet node.";
        return new CoSellNetApiException(status, Reason(response), detail, null, retryAfter, null, method, path);
    }

    /// <summary>How long a Retry-After header asks to wait (delta or date); null without one.</summary>
    internal static TimeSpan? RetryAfterOf(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is { } date) return date > now ? date - now : TimeSpan.Zero;
        return null;
    }

    private static bool IsJson(string? mediaType) =>
        mediaType is not null &&
        (mediaType.Equals("application/problem+json", StringComparison.OrdinalIgnoreCase) ||
         mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase));

    private static string Reason(HttpResponseMessage response) =>
        string.IsNullOrWhiteSpace(response.ReasonPhrase)
            ? ReasonPhrases.For((int)response.StatusCode)
            : response.ReasonPhrase!;

    private static string? Snippet(string body, string? mediaType)
    {
        if (string.IsNullOrWhiteSpace(body) || mediaType is null || !mediaType.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
            return null;
        var flat = new StringBuilder(Math.Min(body.Length, MaxSnippet + 1));
        foreach (var c in body)
        {
            if (flat.Length > MaxSnippet) break;
            flat.Append(char.IsControl(c) ? ' ' : c);
        }
        var text = flat.ToString().Trim();
        return text.Length > MaxSnippet ? text[..MaxSnippet] + "…" : text;
    }

    private static bool TryParse(string body, out Problem problem)
    {
        problem = default;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return false;
            string? title = Text(root, "title"), detail = Text(root, "detail"), traceId = Text(root, "traceId");
            Dictionary<string, string[]>? errors = null;
            if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
            {
                errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
                foreach (var field in e.EnumerateObject())
                {
                    errors[field.Name] = field.Value.ValueKind switch
                    {
                        JsonValueKind.Array => [.. field.Value.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString()! : m.GetRawText())],
                        JsonValueKind.String => [field.Value.GetString()!],
                        _ => [field.Value.GetRawText()],
                    };
                }
            }
            if (title is null && detail is null && errors is null) return false;
            problem = new Problem(title, detail, errors, traceId);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private readonly record struct Problem(string? Title, string? Detail, Dictionary<string, string[]>? Errors, string? TraceId);

    private static class ReasonPhrases
    {
        public static string For(int status) => status switch
        {
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            409 => "Conflict",
            410 => "Gone",
            413 => "Payload Too Large",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            504 => "Gateway Timeout",
            _ => $"HTTP {status}",
        };
    }
}
