using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Output;
using CsvHelper;
using CsvHelper.Configuration;

namespace CoSellNet.Cli.Feed;

/// <summary>
/// Writes feed lines as they come, flushing each: a line per event (sequence, time, type, partner,
/// summary; never cut), CSV rows under one header, or one JSON object per line (JSON Lines). Text is
/// terminal-safe; CSV defuses formulas.
/// </summary>
internal sealed class FeedWriter(TextWriter writer, OutputFormat format) : IDisposable
{
    private static readonly JsonSerializerOptions JsonLines = CliJson.ReadOnly(new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, TypeInfoResolver = CliJson.Resolver });

    private static readonly CsvConfiguration CsvOptions = new(CultureInfo.InvariantCulture)
    {
        NewLine = "\n",
        InjectionOptions = InjectionOptions.Escape,
    };

    public static readonly Columns<FeedLine> Columns = new Columns<FeedLine>()
        .Add("Seq", l => l.Event.Sequence.ToString(CultureInfo.InvariantCulture))
        .Add("At", l => Cells.Time(l.Event.At))
        .Add("Type", l => l.Event.Type)
        .Add("Partner", l => l.PartnerName ?? l.Event.Partner)
        .Add("Summary", l => l.Summary);

    private CsvWriter? _csv;

    public void Write(FeedLine line)
    {
        switch (format)
        {
            case OutputFormat.Json:
                writer.WriteLine(line.ToJson().ToJsonString(JsonLines));
                break;
            case OutputFormat.Csv:
                var csv = Csv();
                foreach (var column in Columns) csv.WriteField(column.Value(line) ?? "");
                csv.NextRecord();
                csv.Flush();
                break;
            default:
                var partner = TableRenderer.Cell(line.PartnerName ?? line.Event.Partner);
                if (partner.Length > 24) partner = partner[..23] + "…";
                writer.WriteLine(string.Join("  ",
                    FeedPresenter.Sequence(line.Event.Sequence).PadLeft(6),
                    Cells.Time(line.Event.At),
                    TableRenderer.Cell(line.Event.Type).PadRight(26),
                    partner.PadRight(24),
                    TableRenderer.Cell(line.Summary)).TrimEnd());
                break;
        }
        writer.Flush();
    }

    /// <summary>Flushes; with <paramref name="headerIfEmpty"/>, CSV output gets its header even without rows.</summary>
    public void Flush(bool headerIfEmpty = false)
    {
        if (headerIfEmpty && format == OutputFormat.Csv) Csv().Flush();
        writer.Flush();
    }

    private CsvWriter Csv()
    {
        if (_csv is not null) return _csv;
        _csv = new CsvWriter(writer, CsvOptions, leaveOpen: true);
        foreach (var column in Columns) _csv.WriteField(column.Header);
        _csv.NextRecord();
        return _csv;
    }

    public void Dispose() => _csv?.Dispose();
}
