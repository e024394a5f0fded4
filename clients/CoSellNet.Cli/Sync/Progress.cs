namespace CoSellNet.Cli.Sync;

/// <summary>
/// A progress bar on standard error for long steps: redrawn in place on a terminal, and a line at
/// each quarter otherwise (logs and tests), so that output stays readable either way.
/// </summary>
internal sealed class Progress(TextWriter error, bool interactive, string label, long total)
{
    private const int Width = 30;
    private long done;
    private int lastQuarter;
    private long lastDrawn = -1;

    /// <summary>Says that the step has started, for steps whose first quarter can take a while.</summary>
    public void Begin()
    {
        if (total <= 0) return;
        if (interactive) Draw();
        else error.WriteLine($"{label}: {done:N0}/{total:N0}");
    }

    public void Advance(long count)
    {
        done = Math.Min(total, done + count);
        if (total <= 0) return;
        if (interactive)
        {
            // Redraw at most every 1 % to keep the terminal cheap.
            if (done != total && (done - lastDrawn) * 100 < total) return;
            Draw();
        }
        else
        {
            var quarter = (int)(4 * done / total);
            if (quarter <= lastQuarter && done != total) return;
            if (done == total && lastQuarter == 4) return;
            lastQuarter = quarter;
            error.WriteLine($"{label}: {done:N0}/{total:N0}");
        }
    }

    private void Draw()
    {
        lastDrawn = done;
        var filled = (int)(Width * done / total);
        error.Write($"\r{label} [{new string('#', filled)}{new string('.', Width - filled)}] {done:N0}/{total:N0}");
        if (done == total) error.WriteLine();
    }
}
