using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using CoSellNet.Client;
using CsvHelper;
using CsvHelper.Configuration;

namespace CoSellNet.Cli.Output;

/// <summary>
/// Writes results to standard output in the chosen format. JSON is the node's own JSON (every field,
/// indented); table and CSV show the given columns. Notes and warnings go to standard error, so that
/// standard output stays machine-readable.
/// </summary>
internal sealed class OutputWriter(TextWriter writer, OutputFormat format)
{
    // Relaxed escaping: the output is read by people and tools, not embedded in HTML; names stay readable.
    private static readonly JsonSerializerOptions Json = new(CoSellNetJson.Options)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly CsvConfiguration Csv = new(CultureInfo.InvariantCulture)
    {
        NewLine = "\n",
        // Cells come from other partners: a name like "=HYPERLINK(...)" must not become a formula in a spreadsheet.
        InjectionOptions = InjectionOptions.Escape,
    };

    public OutputFormat Format => format;

    /// <summary>A list of items. In a table, an empty list prints <paramref name="emptyMessage"/> instead of a lone header.</summary>
    public void WriteList<T>(IReadOnlyList<T> items, Columns<T> columns, string emptyMessage)
    {
        switch (format)
        {
            case OutputFormat.Json:
                WriteJson(items);
                break;
            case OutputFormat.Csv:
                WriteCsv(items, columns);
                break;
            default:
                if (items.Count == 0) writer.WriteLine(emptyMessage);
                else TableRenderer.WriteRows(writer, [.. columns.Select(c => c.Header)], items.Select(i => columns.Select(c => c.Value(i)).ToArray()));
                break;
        }
    }

    /// <summary>One item: a field list in a table, one header and one row in CSV, an object in JSON.</summary>
    public void WriteItem<T>(T item, Columns<T> columns)
    {
        switch (format)
        {
            case OutputFormat.Json:
                WriteJson(item);
                break;
            case OutputFormat.Csv:
                WriteCsv([item], columns);
                break;
            default:
                TableRenderer.WriteFields(writer, [.. columns.Select(c => (c.Header, c.Value(item)))]);
                break;
        }
    }

    private void WriteJson<T>(T value)
    {
        writer.WriteLine(JsonSerializer.Serialize(value, Json));
    }

    private void WriteCsv<T>(IEnumerable<T> items, Columns<T> columns)
    {
        using var csv = new CsvWriter(writer, Csv, leaveOpen: true);
        foreach (var column in columns) csv.WriteField(column.Header);
        csv.NextRecord();
        foreach (var item in items)
        {
            foreach (var column in columns) csv.WriteField(column.Value(item) ?? "");
            csv.NextRecord();
        }
        csv.Flush();
    }
}
