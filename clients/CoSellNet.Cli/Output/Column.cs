using System.Text.Json;

namespace CoSellNet.Cli.Output;

/// <summary>One column of table and CSV output: a header and how to get the cell from an item.</summary>
internal sealed record Column<T>(string Header, Func<T, string?> Value);

/// <summary>The columns for one kind of item, built fluently.</summary>
internal sealed class Columns<T> : List<Column<T>>
{
    /// <summary>
    /// Writes one item as JSON, exactly as the serializer would (same properties, order and escaping),
    /// for lists long enough that the serializer's per-item cost shows: 200,000 overlaps. Null: the serializer.
    /// </summary>
    public Action<Utf8JsonWriter, T>? JsonItem { get; private set; }

    public Columns<T> Add(string header, Func<T, string?> value)
    {
        Add(new Column<T>(header, value));
        return this;
    }

    public Columns<T> Json(Action<Utf8JsonWriter, T> item)
    {
        JsonItem = item;
        return this;
    }
}
