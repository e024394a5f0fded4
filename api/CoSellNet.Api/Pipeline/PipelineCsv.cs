using System.Globalization;
using System.Text;
using CoSellNet.Protocol;

namespace CoSellNet.Api.Pipeline;

/// <summary>CSV exports of the pipeline reports: one header line, one row per figure, invariant culture.</summary>
public static class PipelineCsv
{
    public static IResult Write(string name, IEnumerable<string[]> rows, ReportBasis basis)
    {
        var text = new StringBuilder();
        foreach (var row in rows) text.AppendJoin(',', row.Select(Escape)).Append("\r\n");
        text.Append(Escape("# " + basis.Conversion)).Append("\r\n");
        return Results.File(Encoding.UTF8.GetBytes(text.ToString()), "text/csv; charset=utf-8", $"{name}.csv");
    }

    public static IEnumerable<string[]> Ecosystem(EcosystemPipelineReport r) =>
        [["section", "key", "value", "count", "currency"],
         ["total", "", N(r.Total), N(r.Rooms), r.Basis.Currency],
         .. r.ByStage.Select(b => new[] { "stage", b.Key, N(b.Value), N(b.Count), r.Basis.Currency }),
         .. r.ByPartner.Select(b => new[] { "partner", b.Key, N(b.Value), N(b.Count), r.Basis.Currency }),
         .. r.ByPartnerType.Select(b => new[] { "partner-type", b.Key, N(b.Value), N(b.Count), r.Basis.Currency })];

    public static IEnumerable<string[]> Revenue(RevenueReport r) =>
        [["partner", "partner-type", "kind", "value", "currency", "model"],
         .. r.Partners.SelectMany(p => new[] { ("sourced", p.Sourced), ("influenced", p.Influenced), ("transacted", p.Transacted) }
             .Select(k => new[] { p.PartnerId, p.PartnerType, k.Item1, N(k.Item2), r.Basis.Currency, Model(r.Model) })),
         ["", "", "direct", N(r.Direct), r.Basis.Currency, Model(r.Model)]];

    public static IEnumerable<string[]> Ropi(RopiReport r) =>
        [["partner", "partner-type", "attributed-revenue", "cost", "ropi", "currency", "model"],
         .. r.Partners.Select(p => new[] { p.PartnerId, p.PartnerType, N(p.AttributedRevenue), N(p.Cost), p.Ropi is { } x ? N(x) : "", r.Basis.Currency, Model(r.Model) })];

    public static IEnumerable<string[]> CoSell(CoSellReport r) =>
        [["cohort", "won", "lost", "win-rate", "average-cycle-days", "average-deal-value", "currency"],
         Cohort("co-sold", r.CoSold, r.Basis.Currency), Cohort("direct", r.Direct, r.Basis.Currency)];

    public static IEnumerable<string[]> Scorecards(IEnumerable<Scorecard> cards) =>
        [["partner", "partner-type", "leading", "metric", "value", "unit"],
         .. cards.SelectMany(c => c.Leading.Select(m => Row(c, m, true)).Concat(c.Other.Select(m => Row(c, m, false))))];

    private static string[] Row(Scorecard c, ScoreMetric m, bool leading) => [c.PartnerId, c.PartnerType, leading ? "yes" : "no", m.Name, N(m.Value), m.Unit];

    private static string[] Cohort(string name, Cohort c, string currency) =>
        [name, N(c.Won), N(c.Lost), c.WinRate is { } w ? N(w) : "", c.AverageCycleDays is { } d ? N(d) : "", c.AverageDealValue is { } v ? N(v) : "", currency];

    private static string Model(AttributionModel model) => model switch
    {
        AttributionModel.FirstTouch => "first-touch",
        AttributionModel.LastTouch => "last-touch",
        AttributionModel.TimeDecay => "time-decay",
        _ => model.ToString().ToLowerInvariant(),
    };

    private static string N(decimal value) => value.ToString(CultureInfo.InvariantCulture);
    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    // Quote when needed, and defuse spreadsheet formulas in text cells.
    private static string Escape(string cell)
    {
        if (cell.Length > 0 && "=+-@".Contains(cell[0]) && !decimal.TryParse(cell, NumberStyles.Number, CultureInfo.InvariantCulture, out _)) cell = "'" + cell;
        return cell.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + cell.Replace("\"", "\"\"") + "\"" : cell;
    }
}
