using CoSellNet.Protocol;
using CoSellNet.Silo.Pipeline;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CoSellNet.Silo.Tests.Pipeline;

public sealed class PipelineTotalsTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly string[] Stages = ["qualify", "develop", "propose", "negotiate", RoomFacts.ClosedWon, RoomFacts.ClosedLost];
    private static readonly RoomPartner[] Partners =
    [
        new("isv", "technology"), new("si", "service"), new("reseller", "reseller"), new("agency", "influence"), new("scout", "referral"),
    ];

    private static Gen<RoomFacts> Room(string id) =>
        from stage in Gen.Elements(Stages)
        from cents in Gen.Choose(0, 50_000_000)
        from currency in Gen.Elements("USD", "EUR", "JPY")
        from openedDays in Gen.Choose(0, 300)
        from cycleHours in Gen.Choose(0, 24 * 200)
        from partners in Gen.SubListOf(Partners)
        from touchCount in Gen.Choose(0, 6)
        from touches in Gen.ArrayOf(
            from p in Gen.Elements(Partners)
            from kind in Gen.Elements("sourced", "influenced", "transacted")
            from hours in Gen.Choose(0, 24 * 220)
            select new RoomTouch(p.PartnerId, kind, Start.AddDays(openedDays).AddHours(hours)), touchCount)
        from removed in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
        select new RoomFacts
        {
            RoomId = id,
            VendorId = "vendor",
            OpenedAt = Start.AddDays(openedDays),
            Stage = stage,
            // JPY has no minor unit.
            Amount = currency == "JPY" ? cents / 100 : cents / 100m,
            Currency = currency,
            CloseDate = DateOnly.FromDateTime(Start.AddDays(openedDays + 60).UtcDateTime),
            ClosedAt = stage is RoomFacts.ClosedWon or RoomFacts.ClosedLost ? Start.AddDays(openedDays).AddHours(cycleHours) : null,
            Partners = [.. partners],
            Touches = touches,
            Removed = removed,
        };

    public static Arbitrary<RoomFacts[]> Changes() =>
        (from count in Gen.Choose(1, 60)
         from changes in Gen.ArrayOf(Gen.Elements("r1", "r2", "r3", "r4", "r5", "r6").SelectMany(Room), count)
         select changes).ToArbitrary();

    [Property(Arbitrary = [typeof(PipelineTotalsTests)], MaxTest = 200)]
    public bool Incremental_totals_equal_a_fold_from_scratch(RoomFacts[] changes)
    {
        var incremental = new PipelineTotals();
        var latest = new Dictionary<string, RoomFacts>();
        var halfLife = TimeSpan.FromDays(30);
        foreach (var change in changes)
        {
            if (latest.TryGetValue(change.RoomId, out var old)) incremental.Add(Contributions.Of(old, Berlin, halfLife), -1);
            incremental.Add(Contributions.Of(change, Berlin, halfLife), +1);
            latest[change.RoomId] = change;
        }
        var scratch = PipelineTotals.FromScratch(latest.Values, Berlin, halfLife);
        return incremental.Count == scratch.Count
               && incremental.All(kv => scratch.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }

    [Property(Arbitrary = [typeof(PipelineTotalsTests)], MaxTest = 200)]
    public bool Every_models_revenue_adds_up_to_the_won_amounts(RoomFacts[] changes)
    {
        var latest = changes.GroupBy(c => c.RoomId).Select(g => g.Last()).ToList();
        var totals = PipelineTotals.FromScratch(latest, Berlin, TimeSpan.FromDays(30));
        var won = latest.Where(r => !r.Removed && r.Stage == RoomFacts.ClosedWon && r.Amount > 0)
            .GroupBy(r => r.Currency).ToDictionary(g => g.Key, g => g.Sum(r => r.Amount));
        return Enum.GetValues<AttributionModel>().All(model =>
            won.All(w => totals.Where(t => t.Key.Measure == Measure.Revenue && t.Key.Model == model && t.Key.Currency == w.Key).Sum(t => t.Value.Value) == w.Value));
    }
}
