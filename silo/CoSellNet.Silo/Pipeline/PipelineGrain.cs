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

    private string Vendor => this.GetPrimaryKeyString();
    private TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(state.State.TimeZone);
    private TimeSpan HalfLife => TimeSpan.FromDays(state.State.HalfLifeDays);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var room in await store.Rooms(Vendor)) rooms[room.RoomId] = room;
        costs = await store.Costs(Vendor);
        totals = PipelineTotals.FromScratch(rooms.Values, Zone, HalfLife);
    }

    public async Task RoomChanged(RoomFacts facts)
    {
        if (facts.VendorId != Vendor) throw new ArgumentException($"Room {facts.RoomId} belongs to vendor {facts.VendorId}, not {Vendor}.", nameof(facts));
        await store.SaveRoom(facts, clock.GetUtcNow());
        if (rooms.TryGetValue(facts.RoomId, out var old)) totals.Add(Contributions.Of(old, Zone, HalfLife), -1);
        totals.Add(Contributions.Of(facts, Zone, HalfLife), +1);
        rooms[facts.RoomId] = facts;
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
        var zoneOrHalfLifeChanged = settings.TimeZone != state.State.TimeZone || settings.HalfLifeDays != state.State.HalfLifeDays;
        state.State = new PipelineState
        {
            TimeZone = settings.TimeZone!,
            BaseCurrency = settings.BaseCurrency,
            Rates = new Dictionary<string, decimal>(settings.Rates ?? new Dictionary<string, decimal>(), StringComparer.Ordinal),
            HalfLifeDays = settings.HalfLifeDays,
            RatesAsOf = settings.Rates is { Count: > 0 } ? clock.GetUtcNow() : null,
        };
        await state.WriteStateAsync();
        // Totals are kept by local date and default half-life: a change of either means folding again.
        if (zoneOrHalfLifeChanged) totals = PipelineTotals.FromScratch(rooms.Values, Zone, HalfLife);
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
        var cost = new PartnerCost(Guid.NewGuid().ToString("N"), request.PartnerId.Trim(), request.Kind, request.Amount, request.Currency, request.Date, request.Note?.Trim(), clock.GetUtcNow());
        await store.AddCost(Vendor, cost);
        costs.Add(cost);
        return cost;
    }

    public Task<EcosystemPipelineReport> Ecosystem(PipelineFilter filter) => Task.FromResult(PipelineReports.Ecosystem(totals.All, filter, View()));

    public Task<RevenueReport> Revenue(PipelineFilter filter) => Task.FromResult(PipelineReports.Revenue(TotalsFor(filter), filter, View()));

    public Task<RopiReport> Ropi(PipelineFilter filter) => Task.FromResult(PipelineReports.Ropi(TotalsFor(filter), costs, filter, View()));

    public Task<CoSellReport> CoSell(PipelineFilter filter) => Task.FromResult(PipelineReports.CoSell(totals.All, filter, View()));

    public Task<IReadOnlyList<Scorecard>> Scorecards(PipelineFilter filter)
    {
        var source = TotalsFor(filter);
        var partners = rooms.Values.Where(r => !r.Removed).SelectMany(r => r.Partners).GroupBy(p => p.PartnerId).Select(g => g.First())
            .Where(p => filter.Partner is null || p.PartnerId == filter.Partner)
            .Where(p => filter.PartnerType is null || p.Type == filter.PartnerType)
            .OrderBy(p => p.PartnerId, StringComparer.Ordinal);
        // A card reads only its partner's rows: slice the totals once instead of scanning them per
        // partner, and no card's basis or missing rate depends on other partners' deals.
        var rowsOf = source.Where(kv => kv.Key.Partner != "" && (filter.Partner is null || kv.Key.Partner == filter.Partner))
            .GroupBy(kv => kv.Key.Partner, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<TotalKey, TotalValue>)g.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);
        IReadOnlyList<Scorecard> cards = [.. partners.Select(p =>
            PipelineReports.ScorecardOf(rowsOf.GetValueOrDefault(p.PartnerId, NoRows), p.PartnerId, p.Type, filter, View()))];
        return Task.FromResult(cards);
    }

    private static readonly IReadOnlyDictionary<TotalKey, TotalValue> NoRows = new Dictionary<TotalKey, TotalValue>();

    /// <summary>Kept totals, or for a time-decay half-life other than the vendor's default, a fold made for this query.</summary>
    private IReadOnlyDictionary<TotalKey, TotalValue> TotalsFor(PipelineFilter filter) =>
        filter.Model == AttributionModel.TimeDecay && filter.HalfLifeDays is { } days && days != state.State.HalfLifeDays
            ? PipelineTotals.FromScratch(rooms.Values, Zone, TimeSpan.FromDays(days)).All
            : totals.All;

    private PipelineSettings View() =>
        new(state.State.TimeZone, state.State.BaseCurrency, state.State.Rates, state.State.HalfLifeDays, state.State.RatesAsOf);
}
