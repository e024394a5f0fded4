using System.Buffers;
using System.Text;

namespace CoSellNet.Cli.Output;

/// <summary>
/// Aligned plain-text tables. Cells are made safe for a terminal (control characters, including
/// escape sequences, become spaces: names come from other partners). In lists, cells longer than
/// <see cref="MaxCellWidth"/> are shortened (ids are at most 64 characters and an overlap's
/// partner-id:record-id 65, so they never are); a
/// single item's fields are shown whole (a new key's secret must be copied exactly).
/// </summary>
internal static class TableRenderer
{
    public const int MaxCellWidth = 72;
    private const string Gap = "  ";
    private const string Empty = "-";

    /// <summary>A header row (upper case) and one line per row, columns separated by two spaces, no trailing spaces.</summary>
    public static void WriteRows(TextWriter writer, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows)
    {
        var cells = rows.Select(r => r.Select(c => Shorten(Cell(c))).ToArray()).ToList();
        var heads = headers.Select(h => h.ToUpperInvariant()).ToArray();
        var widths = heads.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(r => r[i].Length))).ToArray();
        WriteLine(writer, heads, widths);
        foreach (var row in cells) WriteLine(writer, row, widths);
    }

    /// <summary>One item as "Field  value" lines, the fields aligned.</summary>
    public static void WriteFields(TextWriter writer, IReadOnlyList<(string Field, string? Value)> fields)
    {
        var width = fields.Count == 0 ? 0 : fields.Max(f => f.Field.Length);
        foreach (var (field, value) in fields)
            writer.WriteLine((field.PadRight(width) + Gap + Cell(value)).TrimEnd());
    }

    /// <summary>A value as a single-line, terminal-safe cell.</summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return Empty;
        // Most cells are safe as they are: the same string, not a copy (a table of 200,000 overlaps has 1.6M cells).
        if (!char.IsWhiteSpace(value[0]) && !char.IsWhiteSpace(value[^1]) && value.AsSpan().IndexOfAny(Unsafe) < 0) return value;
        var text = new StringBuilder(value.Length);
        foreach (var c in value.Trim())
            text.Append(char.IsControl(c) || c is '\u2028' or '\u2029' ? ' ' : c);
        return text.ToString();
    }

    private static string Shorten(string cell) => cell.Length > MaxCellWidth ? cell[..(MaxCellWidth - 1)] + "…" : cell;

    private static void WriteLine(TextWriter writer, IReadOnlyList<string> cells, int[] widths)
    {
        // One builder for all lines (a line per overlap): the cells padded, trailing white space cut.
        var line = Line ??= new StringBuilder();
        line.Clear();
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0) line.Append(Gap);
            line.Append(cells[i]);
            if (i < cells.Count - 1 && widths[i] > cells[i].Length) line.Append(' ', widths[i] - cells[i].Length);
        }
        var end = line.Length;
        while (end > 0 && char.IsWhiteSpace(line[end - 1])) end--;
        line.Length = end;
        writer.Write(line);
        writer.WriteLine();
    }

    [ThreadStatic] private static StringBuilder? Line;

    /// <summary>What <see cref="Cell"/> replaces with a space: control characters and the Unicode line and paragraph separators.</summary>
    private static readonly SearchValues<char> Unsafe = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(c => (char)c), .. Enumerable.Range(0x7F, 0x21).Select(c => (char)c), '\u2028', '\u2029']);
}
