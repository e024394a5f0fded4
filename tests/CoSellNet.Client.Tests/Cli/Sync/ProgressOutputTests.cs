using CoSellNet.Cli.Sync;

namespace CoSellNet.Client.Tests.Cli.Sync;

/// <summary>The output a sync's upload and re-blinding share: whole lines, never run into a half-drawn bar.</summary>
public sealed class ProgressOutputTests
{
    [Fact]
    public void On_a_terminal_a_line_clears_the_bar_being_drawn_and_draws_it_again_below()
    {
        var error = new StringWriter { NewLine = "\n" };
        var output = new ProgressOutput(error, interactive: true);
        var upload = new Progress(output, "Uploading add customers", 100);
        upload.Advance(50);
        new Progress(output, "Re-blinding for Acme", 10).Advance(10);
        output.Line("note: something");
        upload.Advance(50);

        var bar = "Uploading add customers [###############...............] 50/100";
        var blank = "\r" + new string(' ', bar.Length) + "\r";
        Assert.Equal(
            "\r" + bar
            + blank + "Re-blinding for Acme [##############################] 10/10\n" + bar
            + blank + "note: something\n" + bar
            + "\rUploading add customers [##############################] 100/100\n",
            error.ToString());
    }

    [Fact]
    public void On_a_log_each_step_writes_whole_labelled_lines_from_any_thread()
    {
        var error = new StringWriter { NewLine = "\n" };
        var output = new ProgressOutput(error, interactive: false);
        Parallel.For(0, 8, i =>
        {
            var progress = new Progress(output, $"step {i}", 400);
            for (var j = 0; j < 400; j++) progress.Advance(1);
            output.Line($"note {i}");
        });
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(8 * 5, lines.Length); // a line at each quarter, and the note
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal([$"step {i}: 100/400", $"step {i}: 200/400", $"step {i}: 300/400", $"step {i}: 400/400", $"note {i}"],
                lines.Where(l => l.StartsWith($"step {i}:", StringComparison.Ordinal) || l == $"note {i}"));
        }
    }
}
