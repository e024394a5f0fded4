using CoSellNet.Silo.Pipeline;

namespace CoSellNet.Benchmarks.Pipeline;

/// <summary>
/// A vendor's rooms as they change: each room is opened, gains members and touches, moves through
/// stages and (mostly) closes won or lost, sending its latest facts on every change, as rooms do.
/// Deterministic for a seed. 200 partners of every type; a fifth of the rooms are the vendor's own
/// (no partner); amounts in USD, EUR and GBP over two years.
/// </summary>
public sealed class RoomChanges
{
    public const string Vendor = "bench-vendor";
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Types = ["technology", "service", "reseller", "referral", "influence"];
    private static readonly string[] OpenStages = ["qualify", "develop", "propose", "negotiate"];
    private static readonly string[] Kinds = ["sourced", "influenced", "transacted"];

    public RoomPartner[] Partners { get; }
    /// <summary>Every change of every room, in the order they happen (by time; a room's own changes in order).</summary>
    public RoomFacts[] Changes { get; }
    /// <summary>Each room's last facts.</summary>
    public Dictionary<string, RoomFacts> Latest { get; } = new(StringComparer.Ordinal);

    public RoomChanges(int rooms, int seed = 7)
    {
        var random = new Random(seed);
        Partners = [.. Enumerable.Range(0, 200).Select(i => new RoomPartner($"partner-{i:D3}", Types[i % Types.Length]))];
        var timed = new List<(DateTimeOffset At, int Order, RoomFacts Facts)>(rooms * 6);
        var order = 0;
        for (var i = 0; i < rooms; i++)
            foreach (var (at, facts) in Room(random, $"room-{i:D6}"))
                timed.Add((at, order++, facts));
        timed.Sort((a, b) => a.At != b.At ? a.At.CompareTo(b.At) : a.Order.CompareTo(b.Order));
        Changes = [.. timed.Select(t => t.Facts)];
        foreach (var change in Changes) Latest[change.RoomId] = change;
    }

    private IEnumerable<(DateTimeOffset At, RoomFacts Facts)> Room(Random random, string id)
    {
        var opened = Start.AddMinutes(random.Next(0, 2 * 365 * 24 * 60));
        var currency = random.Next(10) switch { < 7 => "USD", < 9 => "EUR", _ => "GBP" };
        var amount = random.Next(5, 500) * 1_000m + random.Next(0, 100) / 100m;
        var direct = random.Next(5) == 0;
        var members = direct ? [] : Enumerable.Range(0, random.Next(1, 5)).Select(_ => Partners[random.Next(Partners.Length)]).DistinctBy(p => p.PartnerId).ToArray();
        var facts = new RoomFacts
        {
            RoomId = id, VendorId = Vendor, OpenedAt = opened, Stage = "qualify", Amount = amount, Currency = currency,
            CloseDate = DateOnly.FromDateTime(opened.AddDays(random.Next(30, 180)).UtcDateTime),
            Partners = members.Take(1).ToArray(),
        };
        var at = opened;
        yield return (at, facts);

        // Members join, touches come in, the stage moves on: one change at a time.
        var touches = new List<RoomTouch>();
        var steps = random.Next(2, 6);
        for (var step = 0; step < steps; step++)
        {
            at = at.AddHours(random.Next(6, 24 * 20));
            if (members.Length > 0 && random.Next(3) > 0)
            {
                var who = members[random.Next(members.Length)];
                touches.Add(new RoomTouch(who.PartnerId, touches.Count == 0 ? "sourced" : Kinds[random.Next(Kinds.Length)], at));
            }
            facts = facts with
            {
                Partners = members.Take(Math.Min(members.Length, step + 2)).ToArray(),
                Touches = touches.ToArray(),
                Stage = OpenStages[Math.Min(OpenStages.Length - 1, step + 1)],
                Amount = random.Next(4) == 0 ? amount + random.Next(1, 50) * 1_000m : facts.Amount,
            };
            yield return (at, facts);
        }

        // Most rooms close: won two times in three.
        if (random.Next(10) < 8)
        {
            at = at.AddHours(random.Next(6, 24 * 30));
            yield return (at, facts with { Stage = random.Next(3) < 2 ? RoomFacts.ClosedWon : RoomFacts.ClosedLost, ClosedAt = at, CloseDate = null });
        }
    }

    /// <summary>A further change to a room (for load on a live grain): a new touch, or a new amount.</summary>
    public RoomFacts Next(RoomFacts room, Random random)
    {
        if (room.Partners.Count == 0 || random.Next(2) == 0) return room with { Amount = random.Next(5, 500) * 1_000m };
        var partner = room.Partners[random.Next(room.Partners.Count)];
        var at = (room.ClosedAt ?? room.OpenedAt.AddDays(30)).AddHours(-random.Next(1, 24 * 10));
        return room with { Touches = [.. room.Touches.TakeLast(5), new RoomTouch(partner.PartnerId, Kinds[random.Next(Kinds.Length)], at < room.OpenedAt ? room.OpenedAt : at)] };
    }
}
