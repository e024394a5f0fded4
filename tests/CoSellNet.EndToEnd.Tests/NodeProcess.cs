using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace CoSellNet.EndToEnd.Tests;

/// <summary>
/// A real node: the built cosellnet-node run as its own process on real ports, as an operator
/// would run it. Its standard output and error are kept for the privacy scan.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeProcess(Process process, Uri url, string operatorKeyFile)
    {
        _process = process;
        Url = url;
        OperatorKeyFile = operatorKeyFile;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Url { get; }
    public string OperatorKeyFile { get; }
    public int SiloPort { get; private init; }
    public int GatewayPort { get; private init; }
    public string Output { get { lock (_output) return _output.ToString(); } }
    public string? OperatorKey => File.Exists(OperatorKeyFile) ? File.ReadAllText(OperatorKeyFile).Trim() : null;

    /// <summary>
    /// Starts a node. <paramref name="restartOf"/>: a node killed before, started again on its ports, as
    /// a restarted node comes back on its configured ones (clients find it where they knew it, and the
    /// cluster sees a newer incarnation of the same silo address, which supersedes the dead one at once
    /// instead of after the failure detector's probes); else free ports.
    /// </summary>
    public static async Task<NodeProcess> StartAsync(string connectionString, string clusterId, string? operatorKeyFile = null, NodeProcess? restartOf = null)
    {
        var http = restartOf?.Url.Port ?? FreePort();
        var keyFile = operatorKeyFile ?? Path.Combine(Path.GetTempPath(), $"cosellnet-e2e-op-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Repo.NodeDll)!,
        };
        start.ArgumentList.Add(Repo.NodeDll);
        start.Environment["ConnectionStrings__CoSellNet"] = connectionString;
        start.Environment["Node__ClusterId"] = clusterId;
        start.Environment["Node__HttpPort"] = http.ToString();
        var siloPort = restartOf?.SiloPort ?? FreePort();
        var gatewayPort = restartOf?.GatewayPort ?? FreePort();
        start.Environment["Node__SiloPort"] = siloPort.ToString();
        start.Environment["Node__GatewayPort"] = gatewayPort.ToString();
        start.Environment["Node__OperatorKeyFile"] = keyFile;
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var node = new NodeProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{http}"), keyFile) { SiloPort = siloPort, GatewayPort = gatewayPort };
        await node.WaitReadyAsync();
        return node;
    }

    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Ends the process at once, as a crash or <c>kill -9</c> would.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    private async Task WaitReadyAsync()
    {
        using var client = Client();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The node exited with {_process.ExitCode}:\n{Output}");
            try
            {
                // Only once this process says it listens: a node restarted on a port that another test's
                // process took meanwhile would otherwise be "ready" with that process answering.
                if (Output.Contains("Now listening on:", StringComparison.Ordinal)
                    && (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException($"The node was not ready within 90 s:\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        File.Delete(OperatorKeyFile);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
