namespace CoSellNet.Cli.Sync;

/// <summary>
/// A progress bar on standard error for long steps: redrawn in place on a terminal, and a line at
/// each quarter otherwise (logs and tests), so that output stays readable either way. Each bar
/// names its step: a sync's upload and re-blinding run at once, and their bars and notes share
/// one <see cref="ProgressOutput"/>.
/// </summary>
internal sealed class Progress(ProgressOutput output, string label, long total)
{
    private const int Width = 30;
    private long done;
    private int lastQuarter;
    private long lastDrawn = -1;

    /// <summary>Says that the step has started, for steps whose first quarter can take a while.</summary>
    public void Begin()
    {
        if (total <= 0) return;
        if (output.Interactive) Draw();
        else output.Line($"{label}: {done:N0}/{total:N0}");
    }

    public void Advance(long count)
    {
        done = Math.Min(total, done + count);
        if (total <= 0) return;
        if (output.Interactive)
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
            output.Line($"{label}: {done:N0}/{total:N0}");
        }
    }

    private void Draw()
    {
        lastDrawn = done;
        var filled = (int)(Width * done / total);
        output.Bar(this, $"{label} [{new string('#', filled)}{new string('.', Width - filled)}] {done:N0}/{total:N0}", done == total);
    }
}

/// <summary>
/// Standard error of a sync, shared by the steps that run at once (my upload, the re-blinding of
/// the counterpart's points): each write is whole (under a lock), and on a terminal the one bar
/// being redrawn in place is cleared before another step's line and drawn again after it, so
/// lines never run into a half-drawn bar.
/// </summary>
internal sealed class ProgressOutput(TextWriter error, bool interactive)
{
    private readonly Lock gate = new();
    private (Progress Owner, string Text)? open;

    public bool Interactive => interactive;

    /// <summary>A line of its own: a note, a warning, or a bar's step on a log.</summary>
    public void Line(string text)
    {
        lock (gate)
        {
            Clear();
            error.WriteLine(text);
            if (open is { } bar) error.Write(bar.Text);
        }
    }

    /// <summary>Lines written by <paramref name="write"/> (an error report), whole, as <see cref="Line"/>'s.</summary>
    public T Lines<T>(Func<TextWriter, T> write)
    {
        lock (gate)
        {
            Clear();
            var result = write(error);
            if (open is { } bar) error.Write(bar.Text);
            return result;
        }
    }

    /// <summary>Draws <paramref name="owner"/>'s bar in place; <paramref name="final"/> ends its line.</summary>
    public void Bar(Progress owner, string text, bool final)
    {
        lock (gate)
        {
            if (open is { } bar && bar.Owner != owner)
            {
                if (final)
                {
                    // Another step's bar is being drawn: this one's last state goes above it, as a line.
                    Clear();
                    error.WriteLine(text);
                    error.Write(bar.Text);
                    return;
                }
                // Two bars in progress at once take turns on the line; each names its step.
                Clear();
            }
            var pad = open is { } previous && previous.Text.Length > text.Length ? new string(' ', previous.Text.Length - text.Length) : "";
            error.Write($"\r{text}{pad}");
            if (final)
            {
                error.WriteLine();
                open = null;
            }
            else open = (owner, text);
        }
    }

    private void Clear()
    {
        if (open is { } bar) error.Write($"\r{new string(' ', bar.Text.Length)}\r");
    }
}
