using CoSellNet.Protocol;

namespace CoSellNet.Silo.Pipeline;

/// <summary>A partner's touch on a deal: who, what kind (sourced, influenced, transacted), when.</summary>
public sealed record TouchPoint(string PartnerId, string Kind, DateTimeOffset At);

/// <summary>Credit to one partner for one kind of touch; a null partner is the vendor's own (direct) share.</summary>
public sealed record Credit(string? PartnerId, string? Kind, decimal Amount);

/// <summary>
/// Attribution of one deal under one model. Credits are in the currency's minor units (cents) and
/// always add up to the amount exactly: shares are floored to the minor unit and the remaining
/// units go one each to the largest remainders (ties to the earlier touch). A deal no touch
/// qualifies for is credited to the vendor (null partner), so no amount is ever lost or doubled.
/// </summary>
public static class Attribution
{
    public const string SourcedKind = "sourced";

    public static IReadOnlyList<Credit> Credit(decimal amount, int minorUnits, DateTimeOffset closedAt,
        IReadOnlyList<TouchPoint> touches, AttributionModel model, TimeSpan? halfLife = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        ArgumentOutOfRangeException.ThrowIfNegative(minorUnits);
        // Touches after the close did not help win it; order is by time, then as recorded.
        var ordered = touches.Select((t, i) => (Touch: t, Index: i))
            .Where(x => x.Touch.At <= closedAt)
            .OrderBy(x => x.Touch.At).ThenBy(x => x.Index)
            .Select(x => x.Touch).ToList();

        var weights = model switch
        {
            AttributionModel.Sourced => Single(ordered.FindIndex(t => t.Kind == SourcedKind), ordered.Count),
            AttributionModel.FirstTouch => Single(ordered.Count > 0 ? 0 : -1, ordered.Count),
            AttributionModel.LastTouch => Single(ordered.Count - 1, ordered.Count),
            AttributionModel.Linear => ordered.Select(_ => 1.0).ToArray(),
            AttributionModel.TimeDecay => ordered.Select(t => Math.Pow(0.5, (closedAt - t.At).TotalSeconds / RequireHalfLife(halfLife))).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(model)),
        };
        if (weights.Sum() <= 0) return amount == 0 ? [] : [new Credit(null, null, amount)];

        var units = amount * Pow10(minorUnits);
        if (units != decimal.Truncate(units))
            throw new ArgumentException($"{amount} has more than {minorUnits} decimal places.", nameof(amount));
        var shares = Apportion((long)units, weights);
        return [.. ordered.Select((t, i) => (t.PartnerId, t.Kind, Units: shares[i]))
            .Where(x => x.Units > 0)
            .GroupBy(x => (x.PartnerId, x.Kind))
            .Select(g => new Credit(g.Key.PartnerId, g.Key.Kind, g.Sum(x => x.Units) / Pow10(minorUnits)))];
    }

    /// <summary>Largest-remainder apportionment of <paramref name="units"/> by <paramref name="weights"/>; sums exactly.</summary>
    internal static long[] Apportion(long units, IReadOnlyList<double> weights)
    {
        var total = weights.Sum();
        var exact = weights.Select(w => (decimal)(w / total) * units).ToArray();
        var shares = exact.Select(e => (long)decimal.Floor(e)).ToArray();
        var left = units - shares.Sum();
        foreach (var i in Enumerable.Range(0, shares.Length).OrderByDescending(i => exact[i] - shares[i]).ThenBy(i => i).Take((int)left))
            shares[i]++;
        return shares;
    }

    private static double[] Single(int index, int count)
    {
        var weights = new double[count];
        if (index >= 0) weights[index] = 1;
        return weights;
    }

    private static double RequireHalfLife(TimeSpan? halfLife) =>
        halfLife is { TotalSeconds: > 0 } h ? h.TotalSeconds : throw new ArgumentException("time-decay needs a positive half-life.", nameof(halfLife));

    private static decimal Pow10(int n)
    {
        var p = 1m;
        for (var i = 0; i < n; i++) p *= 10;
        return p;
    }
}
