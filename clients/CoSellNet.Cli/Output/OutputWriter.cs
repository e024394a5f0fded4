using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CoSellNet.Cli.App;
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
    // The protocol's types and cosell's views only (CliJson): a view missing there throws, in tests too.
    internal static readonly JsonSerializerOptions Json = CliJson.ReadOnly(new(CliJson.Options)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>What <see cref="Json"/> writes with: lists written item by item look the same.</summary>
    private static readonly JsonWriterOptions JsonWriter = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
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
            case OutputFormat.Json when columns.JsonItem is { } item:
                WriteJsonList(items, item);
                break;
            case OutputFormat.Json:
                WriteJson(items, WriteJsonArray);
                break;
            case OutputFormat.Csv:
                WriteCsv(items, columns);
                break;
            default:
                if (items.Count == 0) writer.WriteLine(emptyMessage);
                else Buffered(target => TableRenderer.WriteRows(target, [.. columns.Select(c => c.Header)], items.Select(i => columns.Select(c => c.Value(i)).ToArray())));
                break;
        }
    }

    /// <summary>One item: a field list in a table, one header and one row in CSV, an object in JSON.</summary>
    public void WriteItem<T>(T item, Columns<T> columns)
    {
        switch (format)
        {
            case OutputFormat.Json:
                WriteJson(item, static (json, item) => JsonSerializer.Serialize(json, item, Json.Info<T>()));
                break;
            case OutputFormat.Csv:
                WriteCsv([item], columns);
                break;
            default:
                TableRenderer.WriteFields(writer, [.. columns.Select(c => (c.Header, c.Value(item)))]);
                break;
        }
    }

    /// <summary>
    /// A list as the serializer writes one, item by item with the item's metadata: the views need no
    /// metadata of their own for each kind of list (none of it can be made at run time).
    /// </summary>
    private static void WriteJsonArray<T>(Utf8JsonWriter json, IReadOnlyList<T> items)
    {
        var info = Json.Info<T>();
        json.WriteStartArray();
        foreach (var item in items) JsonSerializer.Serialize(json, item, info);
        json.WriteEndArray();
    }

    private void WriteJson<T>(T value, Action<Utf8JsonWriter, T> write)
    {
        if (!IsConsole)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var json = new Utf8JsonWriter(buffer, JsonWriter)) write(json, value);
            writer.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
            return;
        }
        // Straight to standard output as UTF-8, no string of the whole list in between.
        using var stdout = new BufferedStream(Console.OpenStandardOutput(), BufferSize);
        using (var json = new Utf8JsonWriter(stdout, JsonWriter)) write(json, value);
        stdout.Write(writer.Encoding.GetBytes(writer.NewLine));
    }

    /// <summary>
    /// A list as the serializer would write it, each item by its columns' own writer: no reflection
    /// metadata to build and JIT, no intermediate strings per item (100,000 overlaps: ~0.06 of ~1.7 CPU-s).
    /// </summary>
    private void WriteJsonList<T>(IReadOnlyList<T> items, Action<Utf8JsonWriter, T> item)
    {
        if (!IsConsole)
        {
            var buffer = new MemoryStream();
            WriteJsonChunks(buffer, items, item, ChunkSize);
            writer.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            return;
        }
        using var stdout = Console.OpenStandardOutput();
        WriteJsonChunks(stdout, items, item, ChunkSize);
        stdout.Write(writer.Encoding.GetBytes(writer.NewLine));
    }

    // Items a chunk: ~1 MB of overlaps.
    private const int ChunkSize = 2048;

    /// <summary>
    /// Writes the list in chunks of <paramref name="chunkSize"/> items, formatted on two threads at
    /// once (this machine's second core; 200,000 overlaps are ~100 MB of JSON) and written in order:
    /// chunk k on thread k mod 2, each in a writer of its own that begins a list, so that its first
    /// item is written as a list's first; the chunks are joined by commas and the last one ends the list.
    /// </summary>
    internal static void WriteJsonChunks<T>(Stream target, IReadOnlyList<T> items, Action<Utf8JsonWriter, T> item, int chunkSize)
    {
        var chunks = (items.Count + chunkSize - 1) / chunkSize;
        if (chunks == 0)
        {
            target.Write("[]"u8);
            return;
        }
        // The chunk whose turn it is to be written; when one thread fails, the other stops.
        var (turn, stopped) = (0, false);
        var gate = new object();
        void Chunks(int first)
        {
            var buffer = new ArrayBufferWriter<byte>(1 << 20);
            using var json = new Utf8JsonWriter(buffer, JsonWriter);
            try
            {
                for (var k = first; k < chunks; k += 2)
                {
                    buffer.ResetWrittenCount();
                    json.Reset(buffer);
                    json.WriteStartArray();
                    for (int i = k * chunkSize, end = Math.Min(i + chunkSize, items.Count); i < end; i++)
                        item(json, items[i]);
                    if (k == chunks - 1) json.WriteEndArray();
                    json.Flush();
                    lock (gate)
                    {
                        while (turn < k && !stopped) Monitor.Wait(gate);
                        if (stopped) return;
                    }
                    // The writer's own '[' begins the list, or a comma continues it.
                    target.Write(k == 0 ? "["u8 : ","u8);
                    target.Write(buffer.WrittenSpan[1..]);
                    lock (gate)
                    {
                        turn++;
                        Monitor.PulseAll(gate);
                    }
                }
            }
            catch
            {
                lock (gate)
                {
                    stopped = true;
                    Monitor.PulseAll(gate);
                }
                throw;
            }
        }
        TwoCores.Run(() => Chunks(0), () => Chunks(1));
    }

    private void WriteCsv<T>(IEnumerable<T> items, Columns<T> columns) => Buffered(target =>
    {
        using var csv = new CsvWriter(target, Csv, leaveOpen: true);
        foreach (var column in columns) csv.WriteField(column.Header);
        csv.NextRecord();
        foreach (var item in items)
        {
            foreach (var column in columns) csv.WriteField(column.Value(item) ?? "");
            csv.NextRecord();
        }
        csv.Flush();
    });

    private const int BufferSize = 1 << 16;

    // Console.Out flushes every 256 characters, one system call each: printing 200,000 overlaps
    // (tens of MB) cost about a second in those calls alone. Lists to the console go through a
    // 64 KiB buffer of their own instead (Console.Out buffers nothing, so the order of output holds).
    private bool IsConsole => ReferenceEquals(writer, Console.Out);

    private void Buffered(Action<TextWriter> write)
    {
        if (!IsConsole)
        {
            write(writer);
            return;
        }
        using var stdout = new StreamWriter(Console.OpenStandardOutput(), writer.Encoding, BufferSize) { NewLine = writer.NewLine };
        write(stdout);
    }
}
