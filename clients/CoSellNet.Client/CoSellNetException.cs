using System.Net;

namespace CoSellNet.Client;

/// <summary>A CoSellNet call failed in a way the node did not describe (for example an unreadable answer).</summary>
public class CoSellNetException : Exception
{
    /// <summary>Creates the exception with a message that says what happened.</summary>
    public CoSellNetException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>
/// The node refused a call and said why: an RFC 7807 ProblemDetails, with its HTTP status, title,
/// detail (what to do about it) and, for invalid input, the errors per field.
/// </summary>
public sealed class CoSellNetApiException : CoSellNetException
{
    /// <summary>Creates the exception from what the node answered.</summary>
    public CoSellNetApiException(
        int status,
        string title,
        string? detail,
        IReadOnlyDictionary<string, string[]>? errors = null,
        TimeSpan? retryAfter = null,
        string? traceId = null,
        string? method = null,
        string? path = null)
        : base(Describe(status, title, detail, errors, retryAfter))
    {
        Status = status;
        Title = title;
        Detail = detail;
        Errors = errors ?? new Dictionary<string, string[]>();
        RetryAfter = retryAfter;
        TraceId = traceId;
        Method = method;
        Path = path;
    }

    /// <summary>The HTTP status, e.g. 404.</summary>
    public int Status { get; }

    /// <summary>The HTTP status as an enum.</summary>
    public HttpStatusCode StatusCode => (HttpStatusCode)Status;

    /// <summary>A short summary of the problem, e.g. "Partnership not found".</summary>
    public string Title { get; }

    /// <summary>What went wrong and what to do about it, as the node said.</summary>
    public string? Detail { get; }

    /// <summary>For invalid input: the messages per field (camelCase field names as on the wire). Empty otherwise.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>For 429 (and some 503): how long the node asked to wait before retrying.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The node's trace id for this request, to give the operator when a problem persists.</summary>
    public string? TraceId { get; }

    /// <summary>The HTTP method of the failed request.</summary>
    public string? Method { get; }

    /// <summary>The path of the failed request (never with a key in it).</summary>
    public string? Path { get; }

    private static string Describe(int status, string title, string? detail, IReadOnlyDictionary<string, string[]>? errors, TimeSpan? retryAfter)
    {
        var text = $"{title} ({status})";
        if (!string.IsNullOrWhiteSpace(detail)) text += ": " + detail;
        if (errors is { Count: > 0 })
            text += string.Concat(errors.SelectMany(e => e.Value.Select(m => $"{Environment.NewLine}  {e.Key}: {m}")));
        if (retryAfter is { } wait && (detail is null || !detail.Contains("Retry after", StringComparison.OrdinalIgnoreCase)))
            text += $"{Environment.NewLine}  Retry after {Math.Ceiling(wait.TotalSeconds)} seconds.";
        return text;
    }
}
