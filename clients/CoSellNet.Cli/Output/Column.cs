namespace CoSellNet.Cli.Output;

/// <summary>One column of table and CSV output: a header and how to get the cell from an item.</summary>
internal sealed record Column<T>(string Header, Func<T, string?> Value);

/// <summary>The columns for one kind of item, built fluently.</summary>
internal sealed class Columns<T> : List<Column<T>>
{
    public Columns<T> Add(string header, Func<T, string?> value)
    {
        Add(new Column<T>(header, value));
        return this;
    }
}
