using System.Runtime;

namespace CoSellNet.Cli.App;

/// <summary>
/// No garbage collection, up to a budget, while a command builds something large that lives until
/// the command is done (an imported list, resolved overlaps): a collection would only mark and
/// promote what it made, and full ones come one after another as the heap grows. Past the budget
/// the runtime ends the region and collects as usual. Disposing ends it: commands also run inside
/// the tests' process.
/// </summary>
internal sealed class NoCollections : IDisposable
{
    private NoCollections() { }

    /// <summary>A region of <paramref name="budget"/> bytes, or null when the runtime refuses one.</summary>
    public static NoCollections? Begin(long budget)
    {
        try
        {
            return GC.TryStartNoGCRegion(budget) ? new NoCollections() : null;
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            // More than this runtime allows in one region, or a region already begun: collect as usual.
            return null;
        }
    }

    public void Dispose()
    {
        if (GCSettings.LatencyMode != GCLatencyMode.NoGCRegion) return;
        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // The budget ran out and a collection ended the region already.
        }
    }
}
