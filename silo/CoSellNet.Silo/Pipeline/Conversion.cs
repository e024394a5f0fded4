using System.Globalization;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;

namespace CoSellNet.Silo.Pipeline;

/// <summary>
/// Converts amounts into a report's currency with the vendor's rates. Sums are kept exact in
/// each original currency; conversion happens once per currency and the result is rounded to the
/// report currency's minor units, half away from zero.
/// </summary>
public sealed class Conversion
{
    private readonly PipelineSettings settings;

    public Conversion(PipelineSettings settings, string currency)
    {
        if (!CurrencyRules.IsKnown(currency))
            throw ProblemException.Invalid("currency", $"'{currency}' is not a supported ISO 4217 currency; use one of: {CurrencyRules.List}.");
        this.settings = settings;
        Currency = currency;
    }

    public string Currency { get; }

    public decimal Rate(string from)
    {
        if (from == Currency) return 1;
        var rates = settings.Rates ?? new Dictionary<string, decimal>();
        decimal RateOf(string code) => code == settings.BaseCurrency ? 1
            : rates.TryGetValue(code, out var r) ? r
            : throw ProblemException.Invalid("currency", $"No exchange rate for {code} is set, so amounts in {from} cannot be reported in {Currency}. Set rates with PUT /api/v1/pipeline/settings (units of {settings.BaseCurrency} per one {code}).");
        return RateOf(from) / RateOf(Currency);
    }

    /// <summary>Converts sums kept per currency and rounds once.</summary>
    public decimal Total(IEnumerable<(string Currency, decimal Amount)> amounts) =>
        Round(amounts.GroupBy(a => a.Currency).Sum(g => g.Sum(a => a.Amount) * Rate(g.Key)));

    public decimal Round(decimal value) => decimal.Round(value, CurrencyRules.Minor(Currency), MidpointRounding.AwayFromZero);

    public string Describe(IEnumerable<string> currenciesSeen)
    {
        var others = currenciesSeen.Where(c => c != Currency).Distinct().Order(StringComparer.Ordinal).ToList();
        if (others.Count == 0) return $"All amounts are in {Currency}; nothing was converted.";
        var asOf = settings.RatesAsOf is { } at ? $" set {at:yyyy-MM-dd}" : "";
        return $"Converted to {Currency} with the vendor's rates{asOf}: " +
               string.Join(", ", others.Select(c => $"1 {c} = {Rate(c).ToString("0.######", CultureInfo.InvariantCulture)} {Currency}")) +
               $"; rounded to {CurrencyRules.Minor(Currency)} decimals, half away from zero, after summing.";
    }
}
