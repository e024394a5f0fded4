using System.Globalization;
using CoSellNet.Api.Directory;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Pipeline;

namespace CoSellNet.Api.Pipeline;

/// <summary>The query string every pipeline report takes, checked all at once.</summary>
public sealed record PipelineQuery(string? From, string? To, string? Partner, string? Type, string? Stage, string? Currency, string? Model, int? HalfLifeDays, string? Format)
{
    public static readonly string[] Stages = ["qualify", "develop", "propose", "negotiate", RoomFacts.ClosedWon, RoomFacts.ClosedLost];
    private static readonly (string Name, AttributionModel Model)[] Models =
        [("sourced", AttributionModel.Sourced), ("first-touch", AttributionModel.FirstTouch), ("last-touch", AttributionModel.LastTouch), ("linear", AttributionModel.Linear), ("time-decay", AttributionModel.TimeDecay)];

    public static ValueTask<PipelineQuery?> BindAsync(HttpContext http)
    {
        var q = http.Request.Query;
        int? halfLife = null;
        if (q["halfLifeDays"] is [{ } h])
            halfLife = int.TryParse(h, NumberStyles.None, CultureInfo.InvariantCulture, out var days) ? days : -1;
        return ValueTask.FromResult<PipelineQuery?>(new PipelineQuery(q["from"], q["to"], q["partner"], q["type"], q["stage"], q["currency"], q["model"], halfLife, q["format"]));
    }

    public bool Csv => string.Equals(Format, "csv", StringComparison.OrdinalIgnoreCase);

    public PipelineFilter ToFilter()
    {
        var v = new Validator();
        var from = Date(From, "from", v);
        var to = Date(To, "to", v);
        if (from is { } f && to is { } t) v.Require(f <= t, "to", "is before from.");
        v.Require(Stage is null || Stages.Contains(Stage), "stage", $"must be one of: {string.Join(", ", Stages)}.");
        v.Require(Currency is null || CurrencyRules.IsKnown(Currency), "currency", $"must be one of: {CurrencyRules.List}.");
        var model = AttributionModel.Sourced;
        if (Model is not null)
        {
            var found = Models.FirstOrDefault(m => m.Name == Model);
            v.Require(found.Name is not null, "model", $"must be one of: {string.Join(", ", Models.Select(m => m.Name))}.");
            model = found.Model;
        }
        v.Require(HalfLifeDays is null or (>= 1 and <= 3650), "halfLifeDays", "must be a whole number of days, 1 to 3,650.");
        v.Require(Format is null || Csv || Format == "json", "format", "must be json or csv.");
        PartnerType? type = null;
        try { type = DirectoryEndpoints.ParseType(Type); }
        catch (ProblemException e) when (e.Errors?.GetValueOrDefault("type") is { } messages) { foreach (var m in messages) v.Add("type", m); }
        v.ThrowIfInvalid();
        return new PipelineFilter
        {
            From = from, To = to, Partner = string.IsNullOrWhiteSpace(Partner) ? null : Partner.Trim(),
            PartnerType = type?.ToString().ToLowerInvariant(), Stage = Stage, Currency = Currency, Model = model, HalfLifeDays = HalfLifeDays,
        };
    }

    private static DateOnly? Date(string? text, string field, Validator v)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        v.Add(field, $"'{(text.Length > 20 ? text[..20] : text)}' is not a date; use yyyy-MM-dd (a date in your pipeline's time zone).");
        return null;
    }
}
