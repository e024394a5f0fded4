using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using CoSellNet.Protocol;
using CoSellNet.Testing;

namespace CoSellNet.Benchmarks.Mapping;

/// <summary>
/// The built node (cosellnet-node.dll) run as its own process, as an operator runs it (as in the
/// end-to-end tests' NodeProcess), with ASP.NET Core's request log on: every line it prints is kept
/// with the moment it arrived here, so a run can tell which requests a phase made, when they
/// started, and how long the node took for each.
/// </summary>
internal sealed partial class NodeProcess : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Process _process;
    private readonly List<(long At, string Line)> _lines = [];
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _keyFile;

    private NodeProcess(Process process, Uri url, string keyFile)
    {
        _process = process;
        Url = url;
        _keyFile = keyFile;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Url { get; }
    public int Pid => _process.Id;

    public static string Dll(string configuration) => Built("api/CoSellNet.Api", "cosellnet-node.dll", configuration);

    public static async Task<NodeProcess> StartAsync(string connectionString, string configuration)
    {
        var keyFile = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"cosellnet-bench-op-{Guid.NewGuid():N}");
        var http = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Dll(configuration));
        start.Environment["ConnectionStrings__CoSellNet"] = connectionString;
        start.Environment["Node__ClusterId"] = "bench-" + Guid.NewGuid().ToString("N")[..12];
        start.Environment["Node__HttpPort"] = http.ToString(CultureInfo.InvariantCulture);
        start.Environment["Node__SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["Node__GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["Node__OperatorKeyFile"] = keyFile;
        start.Environment["RateLimits__PermitsPerMinute"] = "100000000";
        // "Request starting ..." and "Request finished ... in N ms" for every request, one line each,
        // stamped when logged: the console logger writes from a queue, late on a busy machine.
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true";
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "yyyy-MM-ddTHH:mm:ss.fffffffZ ";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var node = new NodeProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{http}/"), keyFile);
        using var probe = new HttpClient { BaseAddress = node.Url };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (node._process.HasExited) throw new InvalidOperationException($"The node exited:\n{node.Text(0)}");
            try
            {
                if ((await probe.GetAsync(Routes.HealthReady)).StatusCode == HttpStatusCode.OK) return node;
            }
            catch (HttpRequestException) { }
            if (clock.Elapsed > TimeSpan.FromSeconds(120)) throw new TimeoutException($"The node was not ready in 120 s:\n{node.Text(0)}");
            await Task.Delay(200);
        }
    }

    /// <summary>Registers a partner with the operator key from the node's key file; its id and API key.</summary>
    public async Task<(string Id, string Key)> AddPartner(string name, PartnerType type)
    {
        using var op = new HttpClient { BaseAddress = Url };
        op.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(_keyFile)).Trim());
        var response = await op.PostAsJsonAsync(Routes.Partners,
            new PartnerRegistration(name, $"bench-{Guid.NewGuid():N}"[..24] + ".com", type), Json);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {Routes.Partners}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var created = (await response.Content.ReadFromJsonAsync<PartnerCreated>(Json))!;
        return (created.Partner.Entry.Id, created.ApiKey.Secret);
    }

    /// <summary>Lines printed so far; pass a previous <see cref="Mark"/> to get only the later ones.</summary>
    public List<(long At, string Line)> Lines(int from = 0)
    {
        lock (_lines) return _lines.GetRange(from, _lines.Count - from);
    }

    public int Mark()
    {
        lock (_lines) return _lines.Count;
    }

    private string Text(int from) => string.Join('\n', Lines(from).Select(l => l.Line));

    /// <summary>
    /// Waits until the node is idle: under 10 ms of CPU in a quarter second (at most 10 s). After a
    /// warm-up the runtime compiles the methods it saw called 30 times again, optimized, on a
    /// background thread; a node in service did that long ago, so the timed part should not see it.
    /// </summary>
    public async Task<TimeSpan> Quiet()
    {
        var clock = Stopwatch.StartNew();
        var before = CpuClock.Process(Pid);
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(250);
            var now = CpuClock.Process(Pid);
            if (now - before < TimeSpan.FromMilliseconds(10)) break;
            before = now;
        }
        return clock.Elapsed;
    }

    /// <summary>Waits until the node's log output has caught up with what has happened (its console logger writes from a queue).</summary>
    public async Task Settle()
    {
        var count = -1;
        for (var i = 0; i < 50 && count != Mark(); i++)
        {
            count = Mark();
            await Task.Delay(100);
        }
    }

    /// <summary>A request the node logged: method, path, status and how long the node took, from the "Request finished" line.</summary>
    public sealed record Request(long At, string Method, string Path, int Status, double Milliseconds)
    {
        /// <summary>What kind of PSI request this is, for totals: the path with ids left out.</summary>
        public string Kind => $"{Method} {IdPattern().Replace(Path, "{id}")}";
    }

    public static IEnumerable<Request> Finished(IEnumerable<(long At, string Line)> lines)
    {
        foreach (var (at, line) in lines)
            if (FinishedLine().Match(line) is { Success: true } m)
                yield return new Request(at, m.Groups[1].Value, new Uri(m.Groups[2].Value).AbsolutePath, int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
                    double.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Waits for the first line, stamped at or after <paramref name="since"/>, that <paramref name="match"/>
    /// accepts: woken by each line the node prints, so it returns as soon as the node has said it.
    /// </summary>
    public async Task<(long At, T Value)> WaitFor<T>(long since, Func<string, T?> match, TimeSpan timeout) where T : class
    {
        using var stop = new CancellationTokenSource();
        var expired = Task.Delay(timeout, stop.Token);
        var exited = _process.WaitForExitAsync(stop.Token);
        try
        {
            var seen = 0;
            while (true)
            {
                Task arrived;
                lock (_lines)
                {
                    for (; seen < _lines.Count; seen++)
                        if (_lines[seen].At >= since && match(_lines[seen].Line) is { } value) return (_lines[seen].At, value);
                    arrived = _arrived.Task;
                }
                var first = await Task.WhenAny(arrived, exited, expired);
                if (first == expired) throw new TimeoutException($"The node did not log what was awaited within {timeout}.");
                if (first == exited) throw new InvalidOperationException($"The node exited (code {_process.ExitCode}) before logging what was awaited.");
            }
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    /// <summary>The clocks' anchor: a wall-clock moment and the Stopwatch timestamp taken with it.</summary>
    private static readonly (DateTime Utc, long Ticks) Anchor = (DateTime.UtcNow, Stopwatch.GetTimestamp());

    /// <summary>The Stopwatch timestamp of a wall-clock moment (this machine's clock, which the node shares).</summary>
    public static long ToTimestamp(DateTime utc) =>
        Anchor.Ticks + (long)((utc - Anchor.Utc).Ticks * (double)Stopwatch.Frequency / TimeSpan.TicksPerSecond);

    private void Keep(string? line)
    {
        if (line is null) return;
        // When the node logged the line, if it is stamped; else when it arrived.
        var at = StampedLine().Match(line) is { Success: true } stamp
            ? ToTimestamp(DateTime.ParseExact(stamp.Groups[1].Value, "yyyy-MM-ddTHH:mm:ss.fffffff", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal))
            : Stopwatch.GetTimestamp();
        TaskCompletionSource arrived;
        lock (_lines)
        {
            _lines.Add((at, line));
            (arrived, _arrived) = (_arrived, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        arrived.SetResult();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        File.Delete(_keyFile);
    }

    /// <summary>A built executable of the repository, in the configuration this benchmark was built in.</summary>
    public static string Built(string project, string dll, string configuration)
    {
        var path = System.IO.Path.Combine(PostgresServer.RepoRoot, project, "bin", configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} is not built; build this project (-c {configuration}) first.", path);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7})Z ")]
    private static partial Regex StampedLine();

    [GeneratedRegex(@"Request finished \S+ (\w+) (\S+) - (\d{3}) .* (\d+(?:\.\d+)?)ms\s*$")]
    private static partial Regex FinishedLine();

    [GeneratedRegex(@"(?<=/(?:partnerships|uploads|tasks|chunks)/)[^/]+")]
    private static partial Regex IdPattern();
}
