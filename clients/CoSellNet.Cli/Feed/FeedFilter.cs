using System.CommandLine;
using System.Reflection;
using CoSellNet.Cli.App;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Feed;

/// <summary>
/// Which events to show: <c>--type</c> (an event type such as <c>partnership.accepted</c>, or a whole
/// area such as <c>partnership</c>) and <c>--partner</c> (events concerning one partner).
/// </summary>
internal sealed record FeedFilter(IReadOnlySet<string>? Types, string? Partner)
{
    /// <summary>Every event type this CLI knows (<see cref="FeedEventTypes"/>).</summary>
    public static readonly IReadOnlyList<string> KnownTypes = [.. typeof(FeedEventTypes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)];

    /// <summary>The areas: the part of a type before its dot (partnership, overlaps, room, deal).</summary>
    public static readonly IReadOnlyList<string> Areas = [.. KnownTypes.Select(t => t[..t.IndexOf('.', StringComparison.Ordinal)]).Distinct()];

    public static Option<string[]> TypeOption() =>
        CommandBuilder.Repeated("--type", $"Only events of this type or area ({string.Join(", ", Areas)}; types such as {FeedEventTypes.OverlapsReleased}).",
            text => Expand(text) is null ? $"'{text}' is not a feed event type or area; use one of {string.Join(", ", Areas)}, or a type: {string.Join(", ", KnownTypes)}." : null);

    public static Option<string?> PartnerOption() => new("--partner")
    {
        Description = "Only events concerning this partner id (a counterpart or a room member).",
    };

    public static FeedFilter From(CommandContext ctx, Option<string[]> types, Option<string?> partner)
    {
        var values = ctx.Get(types) ?? [];
        var expanded = values.Length == 0 ? null : values.SelectMany(v => Expand(v)!).ToHashSet(StringComparer.Ordinal);
        return new FeedFilter(expanded, ctx.Get(partner)?.Trim() is { Length: > 0 } p ? p : null);
    }

    public bool Matches(FeedEvent e) =>
        (Types is null || Types.Contains(e.Type)) && (Partner is null || string.Equals(e.Partner, Partner, StringComparison.Ordinal));

    /// <summary>A type, or all types of an area; null for neither.</summary>
    private static IReadOnlyList<string>? Expand(string text)
    {
        var value = text.Trim().ToLowerInvariant();
        if (KnownTypes.Contains(value)) return [value];
        var area = value.TrimEnd('*').TrimEnd('.');
        var inArea = KnownTypes.Where(t => t.StartsWith(area + ".", StringComparison.Ordinal)).ToList();
        return inArea.Count > 0 ? inArea : null;
    }
}
