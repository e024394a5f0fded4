using System.Globalization;
using CoSellNet.Cli.Output;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Pipeline;

/// <summary>
/// How pipeline reports look in a terminal: the report's basis and totals as fields, then one
/// table per breakdown. Amounts show with the report currency's minor units and thousands
/// separators (invariant culture); CSV is the node's own export, JSON the node's JSON.
/// </summary>
internal static class PipelineViews
{
    public static string Money(decimal value, string currency) =>
        value.ToString("N" + (Currencies.MinorDigits.TryGetValue(currency, out var digits) ? digits : 2), CultureInfo.InvariantCulture);

    public static string Number(decimal value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string? Ratio(decimal? value) => value is { } v ? Number(v) : null;

    public static string Period(ReportBasis basis)
    {
        var from = basis.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = basis.To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var range = (from, to) switch
        {
            (null, null) => "all dates",
            (_, null) => $"from {from}",
            (null, _) => $"until {to}",
            _ => $"{from} to {to}",
        };
        return $"{range} ({basis.TimeZone})";
    }

    private static IEnumerable<(string, string?)> Basis(ReportBasis basis) =>
        [("Period", Period(basis)), ("Currency", basis.Currency), ("Conversion", basis.Conversion)];

    public static string ModelName(AttributionModel model, int? halfLifeDays) =>
        Cells.Name(model) + (halfLifeDays is { } days ? $" (half-life {days} days)" : "");

    public static void Ecosystem(TextWriter w, EcosystemPipelineReport r)
    {
        var c = r.Basis.Currency;
        TableRenderer.WriteFields(w, [.. Basis(r.Basis), ("Open value", Money(r.Total, c)), ("Rooms", Cells.Number(r.Rooms))]);
        Breakdowns(w, "Stage", "Rooms", r.ByStage, c);
        Breakdowns(w, "Partner", "Rooms", r.ByPartner, c);
        Breakdowns(w, "Partner type", "Rooms", r.ByPartnerType, c);
    }

    public static void Revenue(TextWriter w, RevenueReport r)
    {
        var c = r.Basis.Currency;
        TableRenderer.WriteFields(w, [("Model", ModelName(r.Model, r.HalfLifeDays)), .. Basis(r.Basis),
            ("Sourced", Money(r.Sourced, c)), ("Influenced", Money(r.Influenced, c)), ("Transacted", Money(r.Transacted, c)), ("Direct (mine)", Money(r.Direct, c))]);
        if (r.Partners.Count > 0)
        {
            w.WriteLine();
            TableRenderer.WriteRows(w, ["Partner", "Type", "Sourced", "Influenced", "Transacted"],
                r.Partners.Select(p => new[] { p.PartnerId, p.PartnerType, Money(p.Sourced, c), Money(p.Influenced, c), Money(p.Transacted, c) }));
        }
        Breakdowns(w, "Partner type", "Credits", r.ByPartnerType, c);
    }

    public static void Ropi(TextWriter w, RopiReport r)
    {
        var c = r.Basis.Currency;
        TableRenderer.WriteFields(w, [("Model", ModelName(r.Model, null)), .. Basis(r.Basis),
            ("Attributed revenue", Money(r.AttributedRevenue, c)), ("Cost", Money(r.Cost, c)), ("ROPI", Ratio(r.Ropi))]);
        if (r.Partners.Count == 0) return;
        w.WriteLine();
        TableRenderer.WriteRows(w, ["Partner", "Type", "Attributed revenue", "Cost", "ROPI"],
            r.Partners.Select(p => new[] { p.PartnerId, p.PartnerType, Money(p.AttributedRevenue, c), Money(p.Cost, c), Ratio(p.Ropi) }));
    }

    public static void CoSell(TextWriter w, CoSellReport r)
    {
        var c = r.Basis.Currency;
        TableRenderer.WriteFields(w, [.. Basis(r.Basis)]);
        w.WriteLine();
        string?[] Row(string name, Cohort x) =>
            [name, Cells.Number(x.Won), Cells.Number(x.Lost), Ratio(x.WinRate), Ratio(x.AverageCycleDays), x.AverageDealValue is { } v ? Money(v, c) : null];
        TableRenderer.WriteRows(w, ["Cohort", "Won", "Lost", "Win rate", "Avg cycle days", "Avg won value"], [Row("co-sold", r.CoSold), Row("direct", r.Direct)]);
    }

    public static void Scorecards(TextWriter w, IReadOnlyList<Scorecard> cards)
    {
        var first = cards[0];
        TableRenderer.WriteFields(w, [("Model", ModelName(first.Model, null)), .. Basis(first.Basis)]);
        w.WriteLine();
        TableRenderer.WriteRows(w, ["Partner", "Type", "Leading", "Metric", "Value"],
            cards.SelectMany(card => Metrics(card).Select(m => new[] { card.PartnerId, card.PartnerType, Cells.YesNo(m.Leading), m.Metric.Name, Value(m.Metric) })));
    }

    public static void Scorecard(TextWriter w, Scorecard card)
    {
        TableRenderer.WriteFields(w, [("Partner", card.PartnerId), ("Type", card.PartnerType), ("Model", ModelName(card.Model, null)), .. Basis(card.Basis)]);
        w.WriteLine();
        TableRenderer.WriteRows(w, ["Metric", "Value", "Leading"],
            Metrics(card).Select(m => new[] { m.Metric.Name, Value(m.Metric), Cells.YesNo(m.Leading) }));
    }

    private static IEnumerable<(ScoreMetric Metric, bool Leading)> Metrics(Scorecard card) =>
        card.Leading.Select(m => (m, true)).Concat(card.Other.Select(m => (m, false)));

    /// <summary>An amount with its currency; a count with its unit.</summary>
    private static string Value(ScoreMetric m) =>
        Currencies.MinorDigits.ContainsKey(m.Unit) ? $"{Money(m.Value, m.Unit)} {m.Unit}" : $"{Number(m.Value)} {m.Unit}";

    private static void Breakdowns(TextWriter w, string key, string count, IReadOnlyList<Breakdown> rows, string currency)
    {
        if (rows.Count == 0) return;
        w.WriteLine();
        TableRenderer.WriteRows(w, [key, "Value", count], rows.Select(b => new[] { b.Key, Money(b.Value, currency), Cells.Number(b.Count) }));
    }

    public static Columns<PartnerCost> Costs { get; } = new Columns<PartnerCost>()
        .Add("Date", c => c.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
        .Add("Partner", c => c.PartnerId)
        .Add("Kind", c => c.Kind)
        .Add("Amount", c => Money(c.Amount, c.Currency))
        .Add("Currency", c => c.Currency)
        .Add("Note", c => c.Note)
        .Add("Id", c => c.Id);

    public static Columns<PartnerCost> Cost { get; } = new Columns<PartnerCost>()
        .Add("Id", c => c.Id)
        .Add("Partner", c => c.PartnerId)
        .Add("Kind", c => c.Kind)
        .Add("Amount", c => Money(c.Amount, c.Currency))
        .Add("Currency", c => c.Currency)
        .Add("Date", c => c.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
        .Add("Note", c => c.Note)
        .Add("Recorded", c => Cells.Time(c.RecordedAt));

    public static Columns<PipelineSettings> Settings { get; } = new Columns<PipelineSettings>()
        .Add("Time zone", s => s.TimeZone)
        .Add("Base currency", s => s.BaseCurrency)
        .Add("Rates", s => Rates(s))
        .Add("Rates set", s => Cells.Time(s.RatesAsOf))
        .Add("Half-life days", s => Cells.Number(s.HalfLifeDays));

    /// <summary>Rates as --rate takes them: EUR=1.08, GBP=1.17 (units of the base currency per one unit).</summary>
    public static string Rates(PipelineSettings s) =>
        s.Rates is null ? "" : string.Join(", ", s.Rates.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}={r.Value.ToString(CultureInfo.InvariantCulture)}"));
}
