using System.Text.Json;
using CoSellNet.Silo.Errors;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace CoSellNet.Api;

/// <summary>Every error the node returns is an RFC 7807 ProblemDetails that says what went wrong and what to do.</summary>
public static class Problems
{
    public static Task Write(HttpContext context, int status, string title, string detail, IDictionary<string, string[]>? errors = null,
        IReadOnlyDictionary<string, string>? extensions = null)
    {
        var problem = errors is null
            ? new ProblemDetails()
            : new HttpValidationProblemDetails(errors);
        problem.Status = status;
        problem.Title = title;
        problem.Detail = detail;
        foreach (var (key, value) in extensions ?? new Dictionary<string, string>()) problem.Extensions[key] = value;
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).AsTask();
    }

    public static int StatusOf(ProblemKind kind) => kind switch
    {
        ProblemKind.Validation => StatusCodes.Status400BadRequest,
        ProblemKind.NotFound => StatusCodes.Status404NotFound,
        ProblemKind.Conflict => StatusCodes.Status409Conflict,
        ProblemKind.Forbidden => StatusCodes.Status403Forbidden,
        ProblemKind.Gone => StatusCodes.Status410Gone,
        _ => StatusCodes.Status400BadRequest,
    };
}

/// <summary>Turns refusals raised by grains and malformed requests into ProblemDetails; anything else is a 500 without internals.</summary>
internal sealed class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        switch (exception)
        {
            case ProblemException p:
                await Problems.Write(context, Problems.StatusOf(p.Kind), p.Title, p.Message, p.Errors, p.Extensions);
                return true;
            case BadHttpRequestException bad:
                await Problems.Write(context, bad.StatusCode, BadRequestTitle(bad.StatusCode), BadRequestDetail(bad));
                return true;
            default:
                log.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
                await Problems.Write(context, StatusCodes.Status500InternalServerError, "Unexpected error",
                    "The node failed to handle this request. Retry later; if it persists, give the operator the trace id.");
                return true;
        }
    }

    private static string BadRequestTitle(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "Request too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
        _ => "Malformed request",
    };

    private static string BadRequestDetail(BadHttpRequestException bad) => bad.InnerException switch
    {
        JsonException json => $"The JSON body could not be read{(json.Path is { } p ? $" at {p}" : "")}: {FirstSentence(json.Message)} Check the field's type and allowed values in the OpenAPI document (/openapi/v1.json).",
        _ when bad.StatusCode == StatusCodes.Status413PayloadTooLarge && bad.Message.StartsWith("Request body too large", StringComparison.Ordinal) =>
            "The request body is larger than this node accepts. Send less data per request.",
        _ when bad.StatusCode is StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType => bad.Message,
        _ => bad.Message + " Check the request against the OpenAPI document (/openapi/v1.json).",
    };

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut < 0 ? message : message[..(cut + 1)];
    }
}
