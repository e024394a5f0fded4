using System.Text.Json.Serialization;

namespace CoSellNet.Protocol;

/// <summary>How closed-won revenue is credited to the partners that touched a deal.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AttributionModel>))]
public enum AttributionModel
{
    /// <summary>All credit to the partner whose touch is sourced (the earliest, if several).</summary>
    [JsonStringEnumMemberName("sourced")] Sourced,
    /// <summary>All credit to the earliest touch.</summary>
    [JsonStringEnumMemberName("first-touch")] FirstTouch,
    /// <summary>All credit to the latest touch before the close.</summary>
    [JsonStringEnumMemberName("last-touch")] LastTouch,
    /// <summary>Equal credit per touch.</summary>
    [JsonStringEnumMemberName("linear")] Linear,
    /// <summary>Credit per touch halving every half-life before the close.</summary>
    [JsonStringEnumMemberName("time-decay")] TimeDecay,
}

/// <summary>
/// A vendor's pipeline settings. Amounts keep their currency; a report converts them into one
/// currency with <see cref="Rates"/> (units of <see cref="BaseCurrency"/> per one unit of each
/// currency) and says so. Periods are dates in <see cref="TimeZone"/> (IANA id).
/// </summary>
public sealed record PipelineSettings(
    string TimeZone = "UTC",
    string BaseCurrency = "USD",
    IReadOnlyDictionary<string, decimal>? Rates = null,
    int HalfLifeDays = 30,
    DateTimeOffset? RatesAsOf = null);

/// <summary>A partner cost: what the vendor spent on a partner (MDF, rebates, enablement, other).</summary>
public sealed record PartnerCostRequest(string PartnerId, string Kind, decimal Amount, string Currency, DateOnly Date, string? Note = null);

public sealed record PartnerCost(string Id, string PartnerId, string Kind, decimal Amount, string Currency, DateOnly Date, string? Note, DateTimeOffset RecordedAt);

/// <summary>One line of a breakdown: a stage, partner or partner type, its value and how many rooms or deals.</summary>
public sealed record Breakdown(string Key, decimal Value, long Count);

/// <summary>What every report says about itself: currency, period, and how amounts were converted.</summary>
public sealed record ReportBasis(string Currency, DateOnly? From, DateOnly? To, string TimeZone, string Conversion);

/// <summary>Open value of rooms where two or more partners besides the vendor take part.</summary>
public sealed record EcosystemPipelineReport(ReportBasis Basis, decimal Total, long Rooms, IReadOnlyList<Breakdown> ByStage, IReadOnlyList<Breakdown> ByPartner, IReadOnlyList<Breakdown> ByPartnerType);

/// <summary>Closed-won credit to one partner under a model, by the kind of its touches: never summed into one number.</summary>
public sealed record PartnerRevenue(string PartnerId, string PartnerType, decimal Sourced, decimal Influenced, decimal Transacted);

/// <summary>Partner-sourced, influenced and transacted revenue apart, and the vendor's own (direct) share.</summary>
public sealed record RevenueReport(ReportBasis Basis, AttributionModel Model, int? HalfLifeDays, decimal Sourced, decimal Influenced, decimal Transacted, decimal Direct,
    IReadOnlyList<PartnerRevenue> Partners, IReadOnlyList<Breakdown> ByPartnerType);

/// <summary>(attributed revenue − cost) / cost for one partner; null when there was no cost.</summary>
public sealed record PartnerRopi(string PartnerId, string PartnerType, decimal AttributedRevenue, decimal Cost, decimal? Ropi);

public sealed record RopiReport(ReportBasis Basis, AttributionModel Model, decimal AttributedRevenue, decimal Cost, decimal? Ropi, IReadOnlyList<PartnerRopi> Partners);

/// <summary>Closed deals of one cohort: win rate, average days from opening to close, average won value.</summary>
public sealed record Cohort(long Won, long Lost, decimal? WinRate, decimal? AverageCycleDays, decimal? AverageDealValue);

public sealed record CoSellReport(ReportBasis Basis, Cohort CoSold, Cohort Direct);

/// <summary>One figure of a scorecard.</summary>
public sealed record ScoreMetric(string Name, decimal Value, string Unit);

/// <summary>
/// A partner's scorecard with a vendor. <see cref="Leading"/> holds the figures that fit the
/// partner's type (influence and referral: influenced value and touches; service: attached value
/// and deployments; reseller: resold revenue; technology: sourced and influenced); the rest follow.
/// </summary>
public sealed record Scorecard(ReportBasis Basis, string PartnerId, string PartnerType, AttributionModel Model, IReadOnlyList<ScoreMetric> Leading, IReadOnlyList<ScoreMetric> Other);
