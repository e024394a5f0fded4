using System.Net;
using System.Net.Sockets;

namespace CoSellNet.EndToEnd.Tests;

/// <summary>
/// An HTTP proxy between a CLI and a node that passes everything through, except that it holds
/// requests matching <see cref="HoldIf"/> (the first, and any retry of it) until told what to do
/// with them; from then on it holds nothing. It makes "kill
/// the client (or the node) in the middle of an upload" exact instead of a race against the
/// clock: when <see cref="Held"/> completes, the chunks before the held one were stored and
/// nothing after it was sent.
/// </summary>
public sealed class HoldingProxy : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _forward = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = TimeSpan.FromMinutes(2) };
    private readonly TaskCompletionSource<string> _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;

    public HoldingProxy(Uri target)
    {
        Target = target;
        var port = FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(Loop);
    }

    public Uri Target { get; set; }
    public Uri Url { get; }

    /// <summary>Which requests to hold, by method and path, until <see cref="Forward"/> or <see cref="Drop"/>.</summary>
    public Func<string, string, bool>? HoldIf { get; set; }

    /// <summary>Completes with "METHOD path" when the request to hold has arrived and is being held.</summary>
    public Task<string> Held => _held.Task;

    /// <summary>Sends the held requests on to the node (which may be gone by then), and holds no more.</summary>
    public void Forward()
    {
        HoldIf = null;
        _release.TrySetResult(true);
    }

    /// <summary>Drops the held requests: they never reach the node, as if lost with a killed client. Holds no more.</summary>
    public void Drop()
    {
        HoldIf = null;
        _release.TrySetResult(false);
    }

    private async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => Handle(context));
        }
    }

    private async Task Handle(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            var path = request.Url!.AbsolutePath;
            if (HoldIf is { } hold && hold(request.HttpMethod, path))
            {
                _held.TrySetResult($"{request.HttpMethod} {path}");
                if (!await _release.Task)
                {
                    response.Abort();
                    return;
                }
            }

            using var message = new HttpRequestMessage(new HttpMethod(request.HttpMethod), new Uri(Target, request.Url.PathAndQuery));
            if (request.HasEntityBody)
            {
                using var body = new MemoryStream();
                await request.InputStream.CopyToAsync(body);
                message.Content = new ByteArrayContent(body.ToArray());
                if (request.ContentType is { } type) message.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
            foreach (var name in request.Headers.AllKeys)
            {
                if (name is null || name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("Expect", StringComparison.OrdinalIgnoreCase)) continue;
                message.Headers.TryAddWithoutValidation(name, request.Headers.GetValues(name) ?? []);
            }

            HttpResponseMessage answer;
            try { answer = await _forward.SendAsync(message); }
            catch (HttpRequestException e)
            {
                response.StatusCode = (int)HttpStatusCode.BadGateway;
                var text = System.Text.Encoding.UTF8.GetBytes($"The node did not answer: {e.Message}");
                response.ContentType = "text/plain";
                response.ContentLength64 = text.Length;
                await response.OutputStream.WriteAsync(text);
                response.Close();
                return;
            }
            using (answer)
            {
                var bytes = await answer.Content.ReadAsByteArrayAsync();
                response.StatusCode = (int)answer.StatusCode;
                foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
                {
                    if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                        || name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)) continue;
                    if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) { response.ContentType = string.Join(", ", values); continue; }
                    try { response.Headers[name] = string.Join(", ", values); }
                    catch (ArgumentException) { }
                }
                response.ContentLength64 = bytes.Length;
                if (bytes.Length > 0) await response.OutputStream.WriteAsync(bytes);
                response.Close();
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            try { response.Abort(); } catch (ObjectDisposedException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Drop();
        _listener.Stop();
        _listener.Close();
        try { await _loop; } catch (ObjectDisposedException) { }
        _forward.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
