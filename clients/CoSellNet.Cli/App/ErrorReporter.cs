using CoSellNet.Client;

namespace CoSellNet.Cli.App;

/// <summary>Turns a failure into a message on standard error and an exit code. Never prints a key.</summary>
internal static class ErrorReporter
{
    public static int Report(Exception exception, TextWriter error, string? keySource)
    {
        switch (exception)
        {
            case CoSellNetApiException api:
                error.WriteLine($"error: {api.Title} ({api.Status})");
                if (!string.IsNullOrWhiteSpace(api.Detail)) error.WriteLine($"  {api.Detail}");
                foreach (var (field, messages) in api.Errors)
                    foreach (var message in messages)
                        error.WriteLine($"  {field}: {message}");
                if (api.RetryAfter is { } wait && api.Detail?.Contains("Retry after", StringComparison.OrdinalIgnoreCase) != true)
                    error.WriteLine($"  Retry after {Math.Ceiling(wait.TotalSeconds)} seconds.");
                if (api.Status == 401 && keySource is not null)
                    error.WriteLine($"  (The key came from {keySource}; 'cosell config show' shows which key is in effect.)");
                if (api.Status >= 500 && api.TraceId is not null)
                    error.WriteLine($"  Trace id: {api.TraceId}");
                return ExitCodes.ForStatus(api.Status);
            case CliException cli:
                error.WriteLine($"error: {cli.Message}");
                return cli.ExitCode;
            case HttpRequestException http:
                error.WriteLine($"error: could not reach the node: {http.Message}");
                return ExitCodes.Error;
            case TimeoutException timeout:
                error.WriteLine($"error: {timeout.Message}");
                return ExitCodes.Error;
            case CoSellNetException other:
                error.WriteLine($"error: {other.Message}");
                return ExitCodes.Error;
            case OperationCanceledException:
                error.WriteLine("cancelled");
                return ExitCodes.Cancelled;
            case ArgumentException argument:
                error.WriteLine($"error: {argument.Message}");
                return ExitCodes.Usage;
            default:
                error.WriteLine($"error: unexpected {exception.GetType().Name}: {exception.Message}");
                return ExitCodes.Error;
        }
    }
}
