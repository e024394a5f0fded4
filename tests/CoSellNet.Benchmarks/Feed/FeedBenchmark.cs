using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CoSellNet.Client;
using CoSellNet.Protocol;
using CoSellNet.Testing;

namespace CoSellNet.Benchmarks.Feed;

/// <summary>
/// The <c>feed</c> verb: live feed latency against a real node process (the built
/// cosellnet-node) on a throwaway PostgreSQL, over loopback WebSockets, with the real
/// <see cref="FeedSubscription"/> as the client.
/// <list type="number">
/// <item>Latency: one subscriber; <c>--events</c> partnership changes (rules PUTs) made one after
/// another; for each, the time from the event being raised on the node (its <c>at</c>, stamped by
/// the feed grain before it is stored) to the handler receiving it, and from the REST call's start.</item>
/// <item>Capacity: connections ramped over 100 partners (50 partnerships); at each level a steady
/// stream of changes (each reaches both partners' connections) and the latency of every receipt,
/// until p99 passes the limit or connections fail.</item>
/// </list>
/// </summary>
internal static partial class FeedBenchmark
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Options(int Events, int[] Levels, int ChangesPerLevel, int ChangesPerSecond, double LimitMs, int Partners);

    public static int Run(string[] args)
    {
        var options = new Options(
            Arg(args, "--events", 1000),
            ArgList(args, "--clients", [100, 500, 1000, 2000, 4000, 8000, 12000, 16000]),
            Arg(args, "--changes", 200),
            Arg(args, "--rate", 20),
            Arg(args, "--limit-ms", 250),
            Arg(args, "--partners", 100));
        return RunAsync(options).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(Options options)
    {
        Console.WriteLine($"feed benchmark {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm}Z: {Environment.ProcessorCount} CPUs ({Cpu()}), .NET {Environment.Version}, " +
                          $"server GC {System.Runtime.GCSettings.IsServerGC}, load average {Load()}; node and clients on this machine, loopback WebSockets");
        var cs = await PostgresServer.CreateDatabaseAsync("bench-feed");
        await using var node = await Node.StartAsync(cs);
        Console.WriteLine($"node {node.Url} up in {node.StartedIn.TotalSeconds:F1} s");

        var partners = new List<(string Id, string Key)>();
        for (var i = 0; i < options.Partners; i++) partners.Add(await node.AddPartner($"Bench {i}"));
        for (var i = 0; i < partners.Count; i += 2) await node.Partnership(partners[i], partners[i + 1]);

        await Latency(node, partners[0], partners[1], options.Events);
        await Capacity(node, partners, options);
        return 0;
    }

    // ---- latency ---------------------------------------------------------------------------

    private static async Task Latency(Node node, (string Id, string Key) a, (string Id, string Key) b, int events)
    {
        using var client = new CoSellNetClient(node.Url, a.Key);
        var waiting = new ConcurrentDictionary<long, TaskCompletionSource<(FeedEvent Event, long Received, DateTimeOffset ReceivedAt)>>();
        var last = await client.GetLastFeedSequenceAsync();
        await using var subscription = await client.SubscribeFeedAsync(last, e =>
        {
            var received = Stopwatch.GetTimestamp();
            var at = DateTimeOffset.UtcNow;
            waiting.GetOrAdd(e.Sequence, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult((e, received, at));
            return Task.CompletedTask;
        });
        using var http = node.Http(b.Key);

        var fromRaised = new List<double>(events);
        var fromCall = new List<double>(events);
        var warmUp = 50;
        for (var i = 0; i < warmUp + events; i++)
        {
            var sequence = last + i + 1;
            var arrived = waiting.GetOrAdd(sequence, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            var start = Stopwatch.GetTimestamp();
            await Change(http, a.Id, i);
            var (e, received, receivedAt) = await arrived.WaitAsync(TimeSpan.FromSeconds(30));
            if (i < warmUp) continue;
            fromRaised.Add((receivedAt - e.At).TotalMilliseconds);
            fromCall.Add(Stopwatch.GetElapsedTime(start, received).TotalMilliseconds);
        }
        Console.WriteLine();
        Console.WriteLine($"latency, {events:N0} partnership changes one at a time (after {warmUp} warm-up), one subscriber:");
        Console.WriteLine($"  event raised on the node -> handler: {Summary(fromRaised)}");
        Console.WriteLine($"  REST call start -> handler:          {Summary(fromCall)}");
    }

    // ---- capacity ---------------------------------------------------------------------------

    private static async Task Capacity(Node node, List<(string Id, string Key)> partners, Options options)
    {
        Console.WriteLine();
        Console.WriteLine($"capacity: connections spread over {partners.Count} partners ({partners.Count / 2} partnerships); per level {options.ChangesPerLevel} changes " +
                          $"at {options.ChangesPerSecond}/s, each reaching both partners' connections; latency from the event raised to each receipt");
        Console.WriteLine($"  {"clients",8} {"connect s",10} {"receipts",9} {"p50 ms",8} {"p90 ms",8} {"p99 ms",8} {"max ms",8} {"node MB",8} {"node CPU",8} {"client CPU",10}");
        Console.WriteLine("  (CPU: share of all cores over the measuring window; the rest went to PostgreSQL and the machine's other load)");
        // Thousands of clients share this process: enough pool threads that the clients' own queueing does not count as the node's latency.
        ThreadPool.SetMinThreads(Math.Max(100, Environment.ProcessorCount), Math.Max(100, Environment.ProcessorCount));
        var clients = partners.ToDictionary(p => p.Id, p => new CoSellNetClient(node.Url, p.Key));
        var subscriptions = new List<FeedSubscription>();
        var latencies = new ConcurrentBag<double>();
        var recording = false;
        long received = 0;
        var lastLevelUnder = 0;
        try
        {
            foreach (var level in options.Levels)
            {
                var connect = Stopwatch.StartNew();
                var failed = 0;
                var toAdd = level - subscriptions.Count;
                using (var gate = new SemaphoreSlim(32))
                {
                    var starts = Enumerable.Range(subscriptions.Count, toAdd).Select(async n =>
                    {
                        await gate.WaitAsync();
                        try
                        {
                            var partner = partners[n % partners.Count];
                            var client = clients[partner.Id];
                            var s = await client.SubscribeFeedAsync(await client.GetLastFeedSequenceAsync(), e =>
                            {
                                if (Volatile.Read(ref recording))
                                {
                                    latencies.Add((DateTimeOffset.UtcNow - e.At).TotalMilliseconds);
                                    Interlocked.Increment(ref received);
                                }
                                return Task.CompletedTask;
                            });
                            lock (subscriptions) subscriptions.Add(s);
                        }
                        catch (Exception e) when (e is HttpRequestException or CoSellNetException or TimeoutException or IOException)
                        {
                            Interlocked.Increment(ref failed);
                        }
                        finally { gate.Release(); }
                    }).ToList();
                    await Task.WhenAll(starts);
                }
                connect.Stop();
                if (failed > 0)
                {
                    Console.WriteLine($"  {level,8}: {failed:N0} connections failed; stopping the ramp");
                    break;
                }
                await Task.Delay(5000); // let the first catch-ups of the new connections finish

                latencies.Clear();
                Interlocked.Exchange(ref received, 0);
                var nodeCpu = node.CpuTime();
                var ownCpu = Process.GetCurrentProcess().TotalProcessorTime;
                var window = Stopwatch.StartNew();
                Volatile.Write(ref recording, true);
                var expected = await Changes(node, partners, options, level);
                var deadline = Stopwatch.StartNew();
                while (Interlocked.Read(ref received) < expected && deadline.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(50);
                Volatile.Write(ref recording, false);
                var seconds = window.Elapsed.TotalSeconds * Environment.ProcessorCount / 100;
                var nodeCpuPercent = (node.CpuTime() - nodeCpu).TotalSeconds / seconds;
                var ownCpuPercent = (Process.GetCurrentProcess().TotalProcessorTime - ownCpu).TotalSeconds / seconds;

                var sorted = latencies.Order().ToList();
                var p99 = Percentile(sorted, 0.99);
                var missing = expected - Interlocked.Read(ref received);
                Console.WriteLine($"  {level,8} {connect.Elapsed.TotalSeconds,10:F1} {sorted.Count,9:N0} {Percentile(sorted, 0.5),8:F1} {Percentile(sorted, 0.9),8:F1} {p99,8:F1} {sorted.LastOrDefault(),8:F1} {node.WorkingSetMb(),8:F0} {nodeCpuPercent,7:F0}% {ownCpuPercent,9:F0}%" +
                                  (missing > 0 ? $"  ({missing:N0} receipts missing after 30 s)" : ""));
                if (p99 > options.LimitMs || missing > 0) break;
                lastLevelUnder = level;
            }
        }
        finally
        {
            await Parallel.ForEachAsync(subscriptions, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (s, _) => await s.DisposeAsync());
            foreach (var client in clients.Values) client.Dispose();
        }
        Console.WriteLine($"  held with p99 under {options.LimitMs} ms: {lastLevelUnder:N0} connected clients (the largest level tried that stayed under)");
    }

    /// <summary>Changes on the partnerships in turn at a steady rate; returns how many receipts they make.</summary>
    private static async Task<long> Changes(Node node, List<(string Id, string Key)> partners, Options options, int level)
    {
        var pairs = partners.Count / 2;
        var https = partners.Select(p => node.Http(p.Key)).ToList();
        try
        {
            var connectionsPerPartner = new int[partners.Count];
            for (var n = 0; n < level; n++) connectionsPerPartner[n % partners.Count]++;
            long expected = 0;
            var interval = TimeSpan.FromSeconds(1.0 / options.ChangesPerSecond);
            var clock = Stopwatch.StartNew();
            var calls = new List<Task>();
            for (var i = 0; i < options.ChangesPerLevel; i++)
            {
                var pair = i % pairs;
                var (me, them) = (2 * pair + (i / pairs) % 2, 2 * pair + 1 - (i / pairs) % 2);
                expected += connectionsPerPartner[me] + connectionsPerPartner[them];
                var due = interval * i;
                if (clock.Elapsed < due) await Task.Delay(due - clock.Elapsed);
                calls.Add(Change(https[me], partners[them].Id, i / pairs / 2)); // each side alternates its rules
            }
            await Task.WhenAll(calls);
            return expected;
        }
        finally
        {
            foreach (var http in https) http.Dispose();
        }
    }

    private static async Task Change(HttpClient http, string counterpart, int i)
    {
        var level = i % 2 == 0 ? SharingLevel.Overlaps : SharingLevel.Counts;
        using var response = await http.PutAsJsonAsync(Routes.PartnershipAction(counterpart, "rules"), new SetRules([new SharingRule("customers", level)]), Json);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"PUT rules: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static string Summary(List<double> values)
    {
        var sorted = values.Order().ToList();
        return $"p50 {Percentile(sorted, 0.5):F2} ms, p90 {Percentile(sorted, 0.9):F2} ms, p99 {Percentile(sorted, 0.99):F2} ms, max {sorted[^1]:F2} ms";
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static int[] ArgList(string[] args, string name, int[] fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? [.. args[i + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : fallback;
    }

    private static string Load()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }

    private static string Cpu()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException) { return "unknown CPU"; }
    }

    /// <summary>The built node run as its own process, as an operator runs it; rate limits raised so the ramp is not refused.</summary>
    private sealed class Node : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _tail = new();
        private readonly string _keyFile;

        private Node(Process process, Uri url, string keyFile)
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
        public TimeSpan StartedIn { get; private set; }

        public static async Task<Node> StartAsync(string connectionString)
        {
            var dll = Path.Combine(PostgresServer.RepoRoot, "api", "CoSellNet.Api", "bin", "Release", "net10.0", "cosellnet-node.dll");
            if (!File.Exists(dll)) throw new FileNotFoundException("Build the node first: dotnet build CoSellNet.sln -c Release", dll);
            var keyFile = Path.Combine(Path.GetTempPath(), $"cosellnet-bench-op-{Guid.NewGuid():N}");
            var http = FreePort();
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(dll);
            start.Environment["ConnectionStrings__CoSellNet"] = connectionString;
            start.Environment["Node__ClusterId"] = "bench-" + Guid.NewGuid().ToString("N")[..12];
            start.Environment["Node__HttpPort"] = http.ToString(CultureInfo.InvariantCulture);
            start.Environment["Node__SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture);
            start.Environment["Node__GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture);
            start.Environment["Node__OperatorKeyFile"] = keyFile;
            start.Environment["RateLimits__PermitsPerMinute"] = "100000000";
            start.Environment["Logging__LogLevel__Default"] = "Warning";
            start.Environment["DOTNET_ENVIRONMENT"] = "Production";
            var clock = Stopwatch.StartNew();
            var node = new Node(Process.Start(start)!, new Uri($"http://127.0.0.1:{http}/"), keyFile);
            using var probe = new HttpClient { BaseAddress = node.Url };
            while (true)
            {
                if (node._process.HasExited) throw new InvalidOperationException($"The node exited:\n{node.Tail}");
                try
                {
                    if ((await probe.GetAsync(Routes.HealthReady)).StatusCode == HttpStatusCode.OK) break;
                }
                catch (HttpRequestException) { }
                if (clock.Elapsed > TimeSpan.FromSeconds(90)) throw new TimeoutException($"The node was not ready in 90 s:\n{node.Tail}");
                await Task.Delay(200);
            }
            node.StartedIn = clock.Elapsed;
            return node;
        }

        public HttpClient Http(string key)
        {
            var client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(60) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return client;
        }

        public async Task<(string Id, string Key)> AddPartner(string name)
        {
            using var op = Http(File.ReadAllText(_keyFile).Trim());
            var response = await op.PostAsJsonAsync(Routes.Partners,
                new PartnerRegistration(name, $"bench-{Guid.NewGuid():N}"[..24] + ".com", PartnerType.Technology), Json);
            response.EnsureSuccessStatusCode();
            var created = (await response.Content.ReadFromJsonAsync<PartnerCreated>(Json))!;
            return (created.Partner.Entry.Id, created.ApiKey.Secret);
        }

        public async Task Partnership((string Id, string Key) a, (string Id, string Key) b)
        {
            using var ha = Http(a.Key);
            (await ha.PostAsJsonAsync(Routes.Partnerships, new ProposePartnership(b.Id, ["co-sell"]), Json)).EnsureSuccessStatusCode();
            using var hb = Http(b.Key);
            (await hb.PostAsJsonAsync(Routes.PartnershipAction(a.Id, "accept"), new AcceptPartnership(["co-sell"]), Json)).EnsureSuccessStatusCode();
        }

        public TimeSpan CpuTime()
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }

        public double WorkingSetMb()
        {
            _process.Refresh();
            return _process.WorkingSet64 / 1048576.0;
        }

        private string Tail
        {
            get { lock (_tail) return _tail.ToString(); }
        }

        private void Keep(string? line)
        {
            if (line is null) return;
            lock (_tail)
            {
                _tail.AppendLine(line);
                if (_tail.Length > 20_000) _tail.Remove(0, _tail.Length - 10_000);
            }
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

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
