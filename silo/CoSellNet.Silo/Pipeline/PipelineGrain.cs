using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;

namespace CoSellNet.Silo.Pipeline;

[GenerateSerializer, Alias("cosellnet.pipeline.v1")]
public sealed record PipelineState
{
    [Id(0)] public string TimeZone { get; init; } = "UTC";
    [Id(1)] public string BaseCurrency { get; init; } = "USD";
    [Id(2)] public Dictionary<string, decimal> Rates { get; init; } = new(StringComparer.Ordinal);
    [Id(3)] public int HalfLifeDays { get; init; } = 30;
    [Id(4)] public DateTimeOffset? RatesAsOf { get; init; }
}

public sealed class PipelineGrain(
    [PersistentState("pipeline", SiloHosting.StorageName)] IPersistentState<PipelineState> state,
    PipelineStore store,
    TimeProvider clock) : Grain, IPipelineGrain
{
    private readonly Dictionary<string, RoomFacts> rooms = new(StringComparer.Ordinal);
    private PipelineTotals totals = new();
    private List<PartnerCost> costs = [];
    private readonly Dictionary<(string Report, PipelineFilter Filter), object> reports = [];
    // Reports run interleaved with a change waiting on PostgreSQL (see IPipelineGrain), so they read
    // settings that change together with the totals they were folded with: this view, not state.State,
    // which a change of settings sets before it is stored.
    private PipelineSettings view = null!;

    private string Vendor => this.GetPrimaryKeyString();
    private TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(view.TimeZone);
    private TimeSpan HalfLife => TimeSpan.FromDays(view.HalfLifeDays);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        view = Stored();
        foreach (var room in await store.Rooms(Vendor)) rooms[room.RoomId] = room;
        costs = await store.Costs(Vendor);
        totals = PipelineTotals.FromScratch(rooms.Values, Zone, HalfLife);
    }

    public async Task RoomChanged(RoomFacts facts)
    {
        if (facts.VendorId != Vendor) throw new ArgumentException($"Room {facts.RoomId} belongs to vendor {facts.VendorId}, not {Vendor}.", nameof(facts));
        // Stored first: reports that run meanwhile see the totals without this change, which is what is stored.
        await store.SaveRoom(facts, clock.GetUtcNow());
        if (rooms.TryGetValue(facts.RoomId, out var old)) totals.Add(Contributions.Of(old, Zone, HalfLife), -1);
        totals.Add(Contributions.Of(facts, Zone, HalfLife), +1);
        rooms[facts.RoomId] = facts;
        reports.Clear();
    }

    public Task<PipelineSettings> Settings() => Task.FromResult(View());

    public async Task<PipelineSettings> SetSettings(PipelineSettings settings)
    {
        var v = new Validator();
        v.Require(TimeZoneInfo.TryFindSystemTimeZoneById(settings.TimeZone ?? "", out _), "timeZone", $"'{settings.TimeZone}' is not a time zone id; use an IANA id such as Europe/Berlin or America/New_York.");
        v.Require(CurrencyRules.IsKnown(settings.BaseCurrency), "baseCurrency", $"must be one of: {CurrencyRules.List}.");
        v.Require(settings.HalfLifeDays is >= 1 and <= 3650, "halfLifeDays", "must be 1 to 3,650 days.");
        foreach (var (code, rate) in settings.Rates ?? new Dictionary<string, decimal>())
        {
            v.Require(CurrencyRules.IsKnown(code), $"rates.{code}", $"is not a supported currency; use one of: {CurrencyRules.List}.");
            v.Require(rate > 0, $"rates.{code}", "must be more than 0: how many units of the base currency one unit is worth.");
        }
        v.ThrowIfInvalid();
        var zoneOrHalfLifeChanged = settings.TimeZone != view.TimeZone || settings.HalfLifeDays != view.HalfLifeDays;
        state.State = new PipelineState
        {
            TimeZone = settings.TimeZone!,
            BaseCurrency = settings.BaseCurrency,
            Rates = new Dictionary<string, decimal>(settings.Rates ?? new Dictionary<string, decimal>(), StringComparer.Ordinal),
            HalfLifeDays = settings.HalfLifeDays,
            RatesAsOf = settings.Rates is { Count: > 0 } ? clock.GetUtcNow() : null,
        };
        await state.WriteStateAsync();
        view = Stored();
        // Totals are kept by local date and default half-life: a change of either means folding again.
        if (zoneOrHalfLifeChanged) totals = PipelineTotals.FromScratch(rooms.Values, Zone, HalfLife);
        reports.Clear();
        return View();
    }

    public async Task<PartnerCost> AddCost(PartnerCostRequest request)
    {
        var v = new Validator();
        v.Text(request.PartnerId, "partnerId", 100);
        v.Require(request.Kind is "mdf" or "rebates" or "enablement" or "other", "kind", "must be one of: mdf, rebates, enablement, other.");
        v.Require(request.Amount > 0, "amount", "must be more than 0.");
        v.Require(CurrencyRules.IsKnown(request.Currency), "currency", $"must be one of: {CurrencyRules.List}.");
        if (CurrencyRules.IsKnown(request.Currency))
            v.Require(request.Amount == decimal.Round(request.Amount, CurrencyRules.Minor(request.Currency)), "amount", $"has more decimals than {request.Currency} allows ({CurrencyRules.Minor(request.Currency)}).");
        v.Text(request.Note, "note", 500, required: false);
        v.ThrowIfInvalid();
        var cost = new PartnerCost(Guid.NewGuid().ToString("N"), request.PartnerId.Trim(), request.Kind, CurrencyRules.Normalized(request.Amount), request.Currency, request.Date, request.Note?.Trim(), clock.GetUtcNow());
        await store.AddCost(Vendor, cost);
        costs.Add(cost);
        reports.Clear();
        return cost;
    }

    public Task<EcosystemPipelineReport> Ecosystem(PipelineFilter filter) => Cached("ecosystem", filter, () => PipelineReports.Ecosystem(totals, filter, View()));

    public Task<RevenueReport> Revenue(PipelineFilter filter) => Cached("revenue", filter, () => PipelineReports.Revenue(TotalsFor(filter), filter, View()));

    public Task<RopiReport> Ropi(PipelineFilter filter) => Cached("ropi", filter, () => PipelineReports.Ropi(TotalsFor(filter), costs, filter, View()));

    public Task<CoSellReport> CoSell(PipelineFilter filter) => Cached("co-sell", filter, () => PipelineReports.CoSell(totals, filter, View()));

    public Task<IReadOnlyList<Scorecard>> Scorecards(PipelineFilter filter) => Cached("scorecards", filter, () => ScorecardsOf(filter));

    /// <summary>
    /// Dashboards ask for the same reports again and again between changes: a report is a pure
    /// function of the totals, costs and settings, so it is kept until the next change of any of them.
    /// </summary>
    private Task<T> Cached<T>(string report, PipelineFilter filter, Func<T> make) where T : class
    {
        if (reports.TryGetValue((report, filter), out var kept)) return Task.FromResult((T)kept);
        if (reports.Count >= MaxCachedReports) reports.Clear();
        var made = make();
        reports[(report, filter)] = made;
        return Task.FromResult(made);
    }

    private const int MaxCachedReports = 256;

    private IReadOnlyList<Scorecard> ScorecardsOf(PipelineFilter filter)
    {
        var source = TotalsFor(filter);
        var partners = rooms.Values.Where(r => !r.Removed).SelectMany(r => r.Partners).GroupBy(p => p.PartnerId).Select(g => g.First())
            .Where(p => filter.Partner is null || p.PartnerId == filter.Partner)
            .Where(p => filter.PartnerType is null || p.Type == filter.PartnerType)
            .OrderBy(p => p.PartnerId, StringComparer.Ordinal);
        // A card reads only its partner's rows of the measures a card shows: slice them once instead
        // of scanning the totals per partner; no card's basis or missing rate depends on other partners' deals.
        var rowsOf = source.ByPartner(
            [(Measure.Revenue, filter.Model), (Measure.Touch, default), (Measure.Attached, default), (Measure.Pipeline, default)],
            partner => filter.Partner is null || partner == filter.Partner);
        IReadOnlyList<Scorecard> cards = [.. partners.Select(p =>
            PipelineReports.ScorecardOf(rowsOf.GetValueOrDefault(p.PartnerId) ?? NoRows, p.PartnerId, p.Type, filter, View()))];
        return cards;
    }

    private static readonly PipelineTotals NoRows = new();

    /// <summary>Kept totals, or for a time-decay half-life other than the vendor's default, a fold made for this query.</summary>
    private PipelineTotals TotalsFor(PipelineFilter filter) =>
        filter.Model == AttributionModel.TimeDecay && filter.HalfLifeDays is { } days && days != view.HalfLifeDays
            ? PipelineTotals.FromScratch(rooms.Values, Zone, TimeSpan.FromDays(days))
            : totals;

    private PipelineSettings View() => view;

    private PipelineSettings Stored() =>
        new(state.State.TimeZone, state.State.BaseCurrency, state.State.Rates, state.State.HalfLifeDays, state.State.RatesAsOf);
}
