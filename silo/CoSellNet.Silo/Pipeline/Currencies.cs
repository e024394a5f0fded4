namespace CoSellNet.Silo.Pipeline;

/// <summary>ISO 4217 currencies the pipeline accepts, with their minor units (decimal places).</summary>
public static class Currencies
{
    private static readonly Dictionary<string, int> MinorUnits = new(StringComparer.Ordinal)
    {
        ["USD"] = 2, ["EUR"] = 2, ["GBP"] = 2, ["CHF"] = 2, ["CAD"] = 2, ["AUD"] = 2, ["NZD"] = 2, ["SEK"] = 2,
        ["NOK"] = 2, ["DKK"] = 2, ["PLN"] = 2, ["CZK"] = 2, ["HUF"] = 2, ["INR"] = 2, ["CNY"] = 2, ["HKD"] = 2,
        ["SGD"] = 2, ["BRL"] = 2, ["MXN"] = 2, ["ZAR"] = 2, ["ILS"] = 2, ["AED"] = 2, ["SAR"] = 2, ["TRY"] = 2,
        ["JPY"] = 0, ["KRW"] = 0, ["CLP"] = 0, ["ISK"] = 0, ["BHD"] = 3, ["KWD"] = 3, ["OMR"] = 3, ["JOD"] = 3,
    };

    public static IEnumerable<string> All => MinorUnits.Keys.Order(StringComparer.Ordinal);

    public static bool IsKnown(string? code) => code is not null && MinorUnits.ContainsKey(code);

    public static int Minor(string code) =>
        MinorUnits.TryGetValue(code, out var units) ? units : throw new ArgumentException($"Unknown currency '{code}'.", nameof(code));
}
