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

/// <summary>A vendor's totals: a sum per key, changed only by adding and subtracting room contributions.</summary>
public sealed class PipelineTotals
{
    private readonly Dictionary<TotalKey, TotalValue> totals = [];

    public IReadOnlyDictionary<TotalKey, TotalValue> All => totals;

    public void Add(IEnumerable<(TotalKey Key, TotalValue Value)> rows, int sign)
    {
        foreach (var (key, value) in rows)
        {
            var next = sign > 0 ? totals.GetValueOrDefault(key) + value : totals.GetValueOrDefault(key) - value;
            if (next.IsZero) totals.Remove(key);
            else totals[key] = next;
        }
    }

    public static PipelineTotals FromScratch(IEnumerable<RoomFacts> rooms, TimeZoneInfo zone, TimeSpan halfLife)
    {
        var totals = new PipelineTotals();
        foreach (var room in rooms) totals.Add(Contributions.Of(room, zone, halfLife), +1);
        return totals;
    }
}
