using CoSellNet.Protocol;

namespace CoSellNet.Silo.Pipeline;

/// <summary>Checks on the ISO 4217 currencies opportunities may be in (<see cref="Protocol.Currencies"/>).</summary>
public static class CurrencyRules
{
    public static bool IsKnown(string? code) => code is not null && Protocol.Currencies.MinorDigits.ContainsKey(code);

    public static int Minor(string code) =>
        Protocol.Currencies.MinorDigits.TryGetValue(code, out var digits) ? digits : throw new ArgumentException($"Unknown currency '{code}'.", nameof(code));

    /// <summary>
    /// The amount without trailing zeros (100.0000 → 100): PostgreSQL's numeric(20,4) gives every
    /// amount four decimals, so without this an amount read back differs from the one recorded.
    /// </summary>
    public static decimal Normalized(decimal amount) => amount / 1.0000000000000000000000000000m;

    public static string List => string.Join(", ", Protocol.Currencies.All);
}
