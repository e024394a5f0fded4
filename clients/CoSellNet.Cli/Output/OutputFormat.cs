namespace CoSellNet.Cli.Output;

internal enum OutputFormat
{
    /// <summary>Aligned columns for a terminal.</summary>
    Table,
    /// <summary>RFC 4180 CSV with a header row.</summary>
    Csv,
    /// <summary>The node's JSON, indented.</summary>
    Json,
}

internal static class OutputFormats
{
    public static bool TryParse(string text, out OutputFormat format)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "table": format = OutputFormat.Table; return true;
            case "csv": format = OutputFormat.Csv; return true;
            case "json": format = OutputFormat.Json; return true;
            default: format = OutputFormat.Table; return false;
        }
    }
}
