using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CoSellNet.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CoSellNet.Client;

/// <summary>
/// A typed client for one CoSellNet node's REST API (<c>/api/v1</c>), acting with one API key.
/// </summary>
/// <remarks>
/// <para>Create one with <c>new CoSellNetClient(new Uri("https://node/"), apiKey)</c> and dispose it when
/// done, or register it with <c>services.AddCoSellNetClient(o => …)</c> and resolve it. Both go through
/// the standard resilience handler: GET, PUT and DELETE are retried on transient failures; POST and
/// PATCH only when the node refused it with 429 (after its Retry-After) or it never reached the node.</para>
/// <para>Every refusal by the node throws <see cref="CoSellNetApiException"/> carrying the node's
/// ProblemDetails; transport failures throw <see cref="HttpRequestException"/> or
/// <see cref="TimeoutException"/>. Thread-safe.</para>
/// </remarks>
public sealed partial class CoSellNetClient : IDisposable
{
    /// <summary>The name of the HttpClient registered for this client.</summary>
    public const string HttpClientName = "CoSellNet";

    private static readonly MediaTypeWithQualityHeaderValue AcceptJson = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue AcceptProblem = new("application/problem+json");

    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly string? _apiKey;
    private readonly IDisposable? _owned;

    /// <summary>Creates a standalone client for a node with an API key (null only to redeem an invitation).</summary>
    /// <param name="baseAddress">The node's URL, e.g. <c>https://cosell.example.com/</c>.</param>
    /// <param name="apiKey">A partner's or the operator's API key.</param>
    /// <exception cref="ArgumentException">The address is not an absolute http(s) URL, or the key is not shaped like an API key.</exception>
    public CoSellNetClient(Uri baseAddress, string? apiKey)
        : this(new CoSellNetClientOptions { BaseAddress = baseAddress, ApiKey = apiKey })
    {
    }

    /// <summary>Creates a standalone client from options (copied; later changes have no effect).</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message says which one.</exception>
    public CoSellNetClient(CoSellNetClientOptions options)
        : this(Standalone(options, primaryHandler: null))
    {
    }

    /// <summary>A standalone client over a given innermost handler (tests).</summary>
    internal CoSellNetClient(CoSellNetClientOptions options, Func<HttpMessageHandler> primaryHandler)
        : this(Standalone(options, primaryHandler))
    {
    }

    private CoSellNetClient((HttpClient Http, CoSellNetClientOptions Options, ServiceProvider Owner) parts)
        : this(parts.Http, parts.Options, parts.Owner)
    {
    }

    /// <summary>The typed-client constructor used by <c>AddCoSellNetClient</c>.</summary>
    internal CoSellNetClient(HttpClient http, CoSellNetClientOptions options, IDisposable? owned = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        var copy = options.Clone();
        copy.Validate();
        _http = http;
        _base = copy.NormalizedBase();
        _apiKey = copy.ApiKey;
        _owned = owned;
    }

    /// <summary>The node's base address.</summary>
    public Uri BaseAddress => _base;

    /// <summary>Whether this client sends an API key.</summary>
    public bool HasApiKey => _apiKey is not null;

    /// <summary>Releases the HTTP resources of a standalone client; a no-op for one from dependency injection.</summary>
    public void Dispose() => _owned?.Dispose();

    private static (HttpClient, CoSellNetClientOptions, ServiceProvider) Standalone(CoSellNetClientOptions options, Func<HttpMessageHandler>? primaryHandler)
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = options.Clone();
        copy.Validate();
        var services = new ServiceCollection();
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(copy));
        var builder = CoSellNetServiceCollectionExtensions.AddCoSellNetHttpClient(services);
        if (primaryHandler is not null) builder.ConfigurePrimaryHttpMessageHandler(primaryHandler);
        var provider = services.BuildServiceProvider();
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName);
        return (http, copy, provider);
    }

    // ---- plumbing -------------------------------------------------------------------------

    private Task<T> GetAsync<T>(string route, CancellationToken ct) => SendAsync<T>(HttpMethod.Get, route, null, true, ct);

    private Task<T> PostAsync<T>(string route, object? body, CancellationToken ct) => SendAsync<T>(HttpMethod.Post, route, body, true, ct);

    private Task<T> PutAsync<T>(string route, object body, CancellationToken ct) => SendAsync<T>(HttpMethod.Put, route, body, true, ct);

    private Task<T> DeleteAsync<T>(string route, CancellationToken ct) => SendAsync<T>(HttpMethod.Delete, route, null, true, ct);

    /// <summary>A PATCH: not retried on transient failures (only GET, PUT, DELETE are), like a POST.</summary>
    private Task<T> PatchAsync<T>(string route, object body, CancellationToken ct) => SendAsync<T>(HttpMethod.Patch, route, body, true, ct);

    /// <summary>A request answered with 204 No Content (or any success whose body is not needed).</summary>
    private async Task SendNoContentAsync(HttpMethod method, string route, CancellationToken ct)
    {
        using var response = await SendRawAsync(method, route, null, true, ct).ConfigureAwait(false);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string route, object? body, bool authenticated, CancellationToken ct)
    {
        using var response = await SendRawAsync(method, route, body, authenticated, ct).ConfigureAwait(false);
        var what = $"{method} {new Uri(_base, route.TrimStart('/')).AbsolutePath}";
        // Outside the try: a type the JSON context lacks is a bug here, not a node that answered something else.
        var info = CoSellNetJson.TypeInfo<T>();
        try
        {
            return await response.Content.ReadFromJsonAsync(info, ct).ConfigureAwait(false)
                   ?? throw new CoSellNetException($"{what}: the node answered {(int)response.StatusCode} with an empty body where a {typeof(T).Name} was expected.");
        }
        catch (JsonException e)
        {
            throw new CoSellNetException($"{what}: the node's answer could not be read as {typeof(T).Name} ({e.Message}). Is the client older than the node?", e);
        }
        catch (NotSupportedException e)
        {
            throw new CoSellNetException($"{what}: the node answered with {response.Content.Headers.ContentType?.MediaType ?? "no content type"}, not JSON. Check that the URL points at a CoSellNet node.", e);
        }
    }

    /// <summary>Sends a request; a refusal throws the node's problem. The caller disposes the successful response.</summary>
    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string route, object? body, bool authenticated, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(_base, route.TrimStart('/')));
        request.Headers.Accept.Add(AcceptJson);
        request.Headers.Accept.Add(AcceptProblem);
        if (authenticated && _apiKey is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        if (body is not null)
        {
            // Bytes, not a stream: a retried PUT sends the same body again.
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, CoSellNetJson.Options.GetTypeInfo(body.GetType())));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        var what = $"{method} {request.RequestUri!.AbsolutePath}";
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e)
        {
            throw new TimeoutException($"{what}: the node at {_base} did not answer in time ({e.Timeout.TotalSeconds:0.#} s). Check that it is running and reachable.", e);
        }
        catch (BrokenCircuitException e)
        {
            throw new HttpRequestException($"{what}: the node at {_base} failed repeatedly; the client stopped calling it for a short while. Try again shortly.", e);
        }

        if (response.IsSuccessStatusCode) return response;
        using (response)
            throw await ProblemReader.ReadAsync(response, ct).ConfigureAwait(false);
    }

    private static string WithPaging(string route, string? cursor, int? limit, params (string Name, string? Value)[] query)
    {
        if (limit is { } l && (l < 1 || l > Vocabulary.MaxPageSize))
            throw new ArgumentOutOfRangeException(nameof(limit), l, $"A page holds 1 to {Vocabulary.MaxPageSize} items.");
        var parts = query
            .Append(("cursor", cursor))
            .Append(("limit", limit?.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Where(p => !string.IsNullOrEmpty(p.Item2))
            .Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}")
            .ToList();
        return parts.Count == 0 ? route : $"{route}?{string.Join('&', parts)}";
    }

    /// <summary>Walks every page, following nextCursor until there is none.</summary>
    private static async IAsyncEnumerable<T> WalkAsync<T>(Func<string?, CancellationToken, Task<Page<T>>> fetch, [EnumeratorCancellation] CancellationToken ct)
    {
        string? cursor = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        do
        {
            var page = await fetch(cursor, ct).ConfigureAwait(false);
            foreach (var item in page.Items ?? []) yield return item;
            cursor = page.NextCursor;
            if (cursor is not null && !seen.Add(cursor))
                throw new CoSellNetException("The node returned the same page cursor twice; stopped listing to avoid an endless loop.");
        }
        while (cursor is not null);
    }

    private static string Id(string id, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id, name);
        return id;
    }
}
