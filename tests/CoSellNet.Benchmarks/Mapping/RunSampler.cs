using System.Diagnostics;

namespace CoSellNet.Benchmarks.Mapping;

/// <summary>CPU time so far of the running cosell, the node and PostgreSQL, at a moment (a Stopwatch timestamp).</summary>
internal readonly record struct Sample(long At, int CliPid, TimeSpan Cli, TimeSpan Node, TimeSpan Pg)
{
    /// <summary>The values at <paramref name="at"/>, interpolated between the samples around it.</summary>
    public static Sample Interpolate(IReadOnlyList<Sample> samples, long at)
    {
        if (at <= samples[0].At) return samples[0];
        for (var i = 1; i < samples.Count; i++)
        {
            if (samples[i].At < at) continue;
            var (x, y) = (samples[i - 1], samples[i]);
            var f = y.At == x.At ? 1 : (double)(at - x.At) / (y.At - x.At);
            return new Sample(at, y.CliPid, x.Cli + (y.Cli - x.Cli) * f, x.Node + (y.Node - x.Node) * f, x.Pg + (y.Pg - x.Pg) * f);
        }
        return samples[^1];
    }
}

/// <summary>
/// One sampler for the whole timed run, every 100 ms: the CPU time of whichever cosell is running,
/// of the node and of PostgreSQL, and the server's memory (<see cref="ServerMemory"/>). One loop
/// rather than one per command, so the gaps between commands and the wait for a background release
/// are sampled too. Each phase takes the samples of its window (<see cref="Window"/>).
/// </summary>
internal sealed class RunSampler(Func<int> runningCli, NodeProcess node, PostgresWatch pg, ServerMemory memory) : IAsyncDisposable
{
    private readonly List<Sample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private bool _stopped;

    public ServerMemory Memory => memory;

    public void Start() => _loop = Loop();

    /// <summary>A sample now (also recorded into the memory peaks).</summary>
    public Sample Read(int cliPid)
    {
        var at = Stopwatch.GetTimestamp();
        var cost = CpuClock.Thread();
        var cli = cliPid > 0 ? CpuClock.Process(cliPid) : TimeSpan.Zero;
        var nodeCpu = CpuClock.Process(node.Pid);
        var usage = pg.Read(memory.WantsPss);
        memory.Record(memory.NodeRss(), usage, CpuClock.Thread() - cost);
        return new Sample(at, cliPid, cli, nodeCpu, usage.Cpu);
    }

    /// <summary>
    /// The samples of a window: <paramref name="first"/> (the window's start, the cosell's CPU zero),
    /// those in between, and <paramref name="last"/>. With a cosell process (<paramref name="cliPid"/>),
    /// only its own readings (zero is a process not started or already gone); without one (0), all of
    /// them with the cosell's CPU zeroed.
    /// </summary>
    public List<Sample> Window(Sample first, Sample last, int cliPid)
    {
        var window = new List<Sample> { first };
        lock (_samples)
            window.AddRange(_samples.Where(s => s.At > first.At && s.At < last.At && (cliPid == 0 || (s.CliPid == cliPid && s.Cli > TimeSpan.Zero)))
                .Select(s => cliPid == 0 ? s with { Cli = TimeSpan.Zero } : s));
        window.Add(last);
        return window;
    }

    public List<Sample> All()
    {
        lock (_samples) return [.. _samples];
    }

    /// <summary>Node and PostgreSQL CPU at a past moment, from the samples around it; the cosell's CPU zero.</summary>
    public Sample At(long at)
    {
        lock (_samples)
            return (_samples.Count == 0 ? Read(0) : Sample.Interpolate(_samples, at)) with { At = at, CliPid = 0, Cli = TimeSpan.Zero };
    }

    private async Task Loop()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            do
            {
                var sample = Read(runningCli());
                lock (_samples) _samples.Add(sample);
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Stops sampling; called when the timed part is over, and again (harmlessly) when the run unwinds.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await _stop.CancelAsync();
        if (_loop is not null) await _loop;
        _stop.Dispose();
    }
}
