namespace CoSellNet.Cli.Accounts;

/// <summary>How to read one account export.</summary>
internal sealed record AccountReadOptions
{
    public const long DefaultMaxRows = 1_000_000;

    /// <summary>Columns to use instead of (or, for an unrecognised CSV, in the absence of) a known format's columns.</summary>
    public ColumnMap? Columns { get; init; }

    /// <summary>Population values to map, taking precedence over the format's defaults.</summary>
    public PopulationMap? Populations { get; init; }

    /// <summary>One population for every row of the file; then no population column is read. Excludes <c>population=</c> in <see cref="Columns"/>.</summary>
    public string? Population { get; init; }

    /// <summary>Columns to copy into <see cref="AccountRow.Fields"/> (header names, case-insensitive).</summary>
    public IReadOnlyList<string> FieldColumns { get; init; } = [];

    /// <summary>Records after the header that a file may hold; a longer file is refused.</summary>
    public long MaxRows { get; init; } = DefaultMaxRows;
}
