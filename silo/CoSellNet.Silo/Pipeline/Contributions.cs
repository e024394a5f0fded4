using CoSellNet.Protocol;

namespace CoSellNet.Silo.Pipeline;

/// <summary>What a row of the pipeline's totals measures.</summary>
public enum Measure : byte
{
    /// <summary>Open value of an ecosystem room (by stage, expected close date); Partner empty is the room itself: once with no type (the total) and once per partner type in it.</summary>
    Pipeline,
    /// <summary>Closed-won credit under a model (by partner and touch kind; Partner null is the vendor's own).</summary>
    Revenue,
    /// <summary>A closed deal, co-sold or direct, won or lost (count, value, cycle days).</summary>
    Deal,
    /// <summary>A partner's touch (count), under the room's current stage.</summary>
    Touch,
    /// <summary>A partner's part in a closed-won room, whatever the model: attached value (service partners' deployments).</summary>
    Attached,
}

/// <summary>
/// The dimensions one total is kept under. Unused dimensions are empty strings, so the key is a
/// plain value; the date is the vendor's local date the row falls on.
/// </summary>
public readonly record struct TotalKey(Measure Measure, AttributionModel Model, string Partner, string PartnerType, string Kind, string Stage, DateOnly Date, string Currency);

/// <summary>Sums kept per key: value, count, and cycle days (for deals).</summary>
public record struct TotalValue(decimal Value, long Count, long CycleDays)
{
    public static TotalValue operator +(TotalValue a, TotalValue b) => new(a.Value + b.Value, a.Count + b.Count, a.CycleDays + b.CycleDays);
    public static TotalValue operator -(TotalValue a, TotalValue b) => new(a.Value - b.Value, a.Count - b.Count, a.CycleDays - b.CycleDays);
    public readonly bool IsZero => Value == 0 && Count == 0 && CycleDays == 0;
}

/// <summary>
/// What one room adds to a vendor's totals. The pipeline keeps totals incrementally by
/// subtracting a room's old contribution and adding its new one when the room changes, so the
/// totals always equal this function summed over all rooms (a property test checks it).
/// </summary>
public static class Contributions
{
    public static readonly AttributionModel[] Models = Enum.GetValues<AttributionModel>();

    public static List<(TotalKey Key, TotalValue Value)> Of(RoomFacts room, TimeZoneInfo zone, TimeSpan halfLife)
    {
        var rows = new List<(TotalKey, TotalValue)>();
        if (room.Removed) return rows;
        DateOnly Local(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
        var types = room.Partners.GroupBy(p => p.PartnerId).ToDictionary(g => g.Key, g => g.First().Type);
        string TypeOf(string partner) => types.GetValueOrDefault(partner, "");

        foreach (var touch in room.Touches)
            rows.Add((new TotalKey(Measure.Touch, default, touch.PartnerId, TypeOf(touch.PartnerId), touch.Kind, room.Stage, Local(touch.At), ""), new TotalValue(0, 1, 0)));

        if (room.IsOpen)
        {
            if (room.IsEcosystem && room.Amount > 0)
            {
                var date = room.CloseDate ?? Local(room.OpenedAt);
                rows.Add((new TotalKey(Measure.Pipeline, default, "", "", "", room.Stage, date, room.Currency), new TotalValue(room.Amount, 1, 0)));
                // Once per type, so that a type's rooms count a room with two partners of that type once.
                foreach (var type in types.Values.Distinct())
                    rows.Add((new TotalKey(Measure.Pipeline, default, "", type, "", room.Stage, date, room.Currency), new TotalValue(room.Amount, 1, 0)));
                foreach (var (partner, type) in types)
                    rows.Add((new TotalKey(Measure.Pipeline, default, partner, type, "", room.Stage, date, room.Currency), new TotalValue(room.Amount, 1, 0)));
            }
            return rows;
        }

        var closedAt = room.ClosedAt ?? room.OpenedAt;
        var closed = Local(closedAt);
        var cycle = Math.Max(0, (long)Math.Floor((closedAt - room.OpenedAt).TotalDays));
        var won = room.Stage == RoomFacts.ClosedWon;
        rows.Add((new TotalKey(Measure.Deal, default, "", "", room.IsCoSold ? "co-sold" : "direct", room.Stage, closed, room.Currency),
            new TotalValue(won ? room.Amount : 0, 1, cycle)));
        if (!won || room.Amount <= 0) return rows;

        var touches = room.Touches.Select(t => new TouchPoint(t.PartnerId, t.Kind, t.At)).ToList();
        var minor = CurrencyRules.Minor(room.Currency);
        foreach (var model in Models)
            foreach (var credit in Attribution.Credit(room.Amount, minor, closedAt, touches, model, halfLife))
                rows.Add((new TotalKey(Measure.Revenue, model, credit.PartnerId ?? "", credit.PartnerId is null ? "" : TypeOf(credit.PartnerId), credit.Kind ?? "", room.Stage, closed, room.Currency),
                    new TotalValue(credit.Amount, 1, 0)));
        foreach (var (partner, type) in types)
            rows.Add((new TotalKey(Measure.Attached, default, partner, type, "", room.Stage, closed, room.Currency), new TotalValue(room.Amount, 1, 0)));
        return rows;
    }
}

/// <summary>
/// A vendor's totals: a sum per key, changed only by adding and subtracting room contributions.
/// Kept in one bucket per measure and model, because every report reads one measure (revenue one
/// model): a report then scans its own rows, not every touch and every model's credit.
/// </summary>
public sealed class PipelineTotals : IReadOnlyDictionary<TotalKey, TotalValue>
{
    private readonly Dictionary<(Measure, AttributionModel), Dictionary<TotalKey, TotalValue>> buckets = [];
    // Rows per currency, so that a report can name every currency in the totals without a scan.
    private readonly Dictionary<string, long> currencies = new(StringComparer.Ordinal);
    private static readonly IReadOnlyDictionary<TotalKey, TotalValue> None = new Dictionary<TotalKey, TotalValue>();

    /// <summary>The rows of one measure (for revenue: of one model; other measures have the default model).</summary>
    public IReadOnlyDictionary<TotalKey, TotalValue> Of(Measure measure, AttributionModel model = default) =>
        buckets.TryGetValue((measure, model), out var bucket) ? bucket : None;

    /// <summary>Currencies that some row is kept in.</summary>
    public IEnumerable<string> Currencies => currencies.Keys;

    public void Add(IEnumerable<(TotalKey Key, TotalValue Value)> rows, int sign)
    {
        foreach (var (key, value) in rows) Add(key, value, sign);
    }

    private void Add(TotalKey key, TotalValue value, int sign)
    {
        if (!buckets.TryGetValue((key.Measure, key.Model), out var bucket)) buckets[(key.Measure, key.Model)] = bucket = [];
        var had = bucket.TryGetValue(key, out var current);
        var next = sign > 0 ? current + value : current - value;
        if (next.IsZero)
        {
            if (had && bucket.Remove(key)) CountRow(key.Currency, -1);
        }
        else
        {
            bucket[key] = next;
            if (!had) CountRow(key.Currency, +1);
        }
    }

    private void CountRow(string currency, int change)
    {
        var rows = currencies.GetValueOrDefault(currency) + change;
        if (rows == 0) currencies.Remove(currency);
        else currencies[currency] = rows;
    }

    /// <summary>The rows of one partner in the given measures, per partner that has any.</summary>
    public Dictionary<string, PipelineTotals> ByPartner(IEnumerable<(Measure, AttributionModel)> measures, Func<string, bool> wanted)
    {
        var result = new Dictionary<string, PipelineTotals>(StringComparer.Ordinal);
        foreach (var (measure, model) in measures)
            foreach (var (key, value) in Of(measure, model))
            {
                if (key.Partner == "" || !wanted(key.Partner)) continue;
                if (!result.TryGetValue(key.Partner, out var mine)) result[key.Partner] = mine = new PipelineTotals();
                mine.Add(key, value, +1);
            }
        return result;
    }

    public static PipelineTotals FromScratch(IEnumerable<RoomFacts> rooms, TimeZoneInfo zone, TimeSpan halfLife)
    {
        var totals = new PipelineTotals();
        foreach (var room in rooms) totals.Add(Contributions.Of(room, zone, halfLife), +1);
        return totals;
    }

    public TotalValue this[TotalKey key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException();
    public IEnumerable<TotalKey> Keys => buckets.Values.SelectMany(b => b.Keys);
    public IEnumerable<TotalValue> Values => buckets.Values.SelectMany(b => b.Values);
    public int Count => buckets.Values.Sum(b => b.Count);
    public bool ContainsKey(TotalKey key) => TryGetValue(key, out _);
    public bool TryGetValue(TotalKey key, out TotalValue value)
    {
        value = default;
        return buckets.TryGetValue((key.Measure, key.Model), out var bucket) && bucket.TryGetValue(key, out value);
    }
    public IEnumerator<KeyValuePair<TotalKey, TotalValue>> GetEnumerator() => buckets.Values.SelectMany(b => b).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
