using System.CommandLine;
using System.Globalization;
using System.Runtime;
using System.Text.Encodings.Web;
using System.Text.Json;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Output;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Sync;

/// <summary>
/// <c>cosell overlaps | matrix | whitespace | shared</c>: released results, resolved to my own
/// accounts on this machine. The node never sees which accounts these are.
/// </summary>
internal static class ResultCommands
{
    internal static readonly Columns<ResolvedOverlap> OverlapColumns = new Columns<ResolvedOverlap>()
        .Add("Partner", o => o.PartnerName)
        .Add("Account", o => o.Account)
        .Add("Key", o => o.MatchKey)
        .Add("My population", o => o.MyPopulation)
        .Add("Their populations", o => string.Join(", ", o.TheirPopulations))
        .Add("Their fields", o => Resolver.Fields(o.TheirFields))
        .Add("Source", o => o.Source)
        .Add("Overlap", o => o.Reference)
        .Json(OverlapJson.Write);

    private static readonly Columns<MatrixCell> MatrixColumns = new Columns<MatrixCell>()
        .Add("My population", c => c.MyPopulation)
        .Add("Their population", c => c.TheirPopulation)
        .Add("Overlap", c => c.Count is { } n ? n.ToString(CultureInfo.InvariantCulture) : $"< {c.FewerThan}");

    internal sealed record SharedAccount(string Account, string MatchKey, string MyPopulations, int Partners, string PartnerNames, string Source);

    private static readonly Columns<SharedAccount> SharedColumns = new Columns<SharedAccount>()
        .Add("Account", s => s.Account)
        .Add("Key", s => s.MatchKey)
        .Add("My populations", s => s.MyPopulations)
        .Add("Partners", s => s.Partners.ToString(CultureInfo.InvariantCulture))
        .Add("Known by", s => s.PartnerNames)
        .Add("Source", s => s.Source);

    public static IEnumerable<Command> Build(CommandBuilder b) => [Overlaps(b), Matrix(b), Whitespace(b), Shared(b)];

    private static Option<string?> PartnerOption() => new("--partner") { Description = "Only the partnership with this partner id (all active partnerships by default)." };

    private static Command Overlaps(CommandBuilder b)
    {
        var partner = PartnerOption();
        var command = new Command("overlaps", "My accounts that a partner also has, with the partner's populations and, where it shares them, its fields.") { partner };
        b.Action(command, async ctx =>
        {
            using var quiet = Quiet();
            var overlaps = await Resolve(ctx, ctx.Get(partner));
            ctx.Output.WriteList(overlaps, OverlapColumns, "No overlaps released yet. Run 'cosell sync'; results appear once both partners have synced.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Matrix(CommandBuilder b)
    {
        var counterpart = CommandBuilder.IdArgument("partner-id", "The partner's id.");
        var command = new Command("matrix", "Overlap counts by my population × the partner's; counts under the partner's minimum segment size show as \"< N\".") { counterpart };
        b.Action(command, async ctx =>
        {
            var matrix = await ctx.Client().GetMatrixAsync(ctx.Get(counterpart), ctx.Cancellation);
            ctx.Output.WriteList(matrix.Cells, MatrixColumns,
                matrix.ReleaseVersion == 0 ? "Nothing released yet: both partners must sync." : "No overlaps.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Whitespace(CommandBuilder b)
    {
        var partner = PartnerOption();
        var command = new Command("whitespace", "My prospects and open opportunities that a partner has as customers: where an introduction helps most.") { partner };
        b.Action(command, async ctx =>
        {
            using var quiet = Quiet();
            var overlaps = await Resolve(ctx, ctx.Get(partner));
            var whitespace = overlaps
                .Where(o => o.MyPopulation is "prospects" or "opportunities" && o.TheirPopulations.Contains("customers"))
                .ToList();
            ctx.Output.WriteList(whitespace, OverlapColumns, "No whitespace: no prospect or open opportunity of mine is a partner's customer (in what partners share).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Shared(CommandBuilder b)
    {
        var minimum = new Option<int>("--min-partners") { Description = "Show accounts known to at least this many partners.", DefaultValueFactory = _ => 2 };
        var command = new Command("shared", "Accounts of mine that two or more of my partners know, computed on this machine (the node never links partnerships).") { minimum };
        b.Action(command, async ctx =>
        {
            using var quiet = Quiet();
            var overlaps = await Resolve(ctx, null);
            var shared = overlaps
                .GroupBy(o => o.MatchKey)
                .Select(g => new SharedAccount(g.First().Account, g.Key,
                    string.Join(", ", g.Select(o => o.MyPopulation).Distinct().Order()),
                    g.Select(o => o.Partner).Distinct().Count(),
                    string.Join(", ", g.Select(o => o.PartnerName).Distinct().Order()),
                    g.First().Source))
                .Where(s => s.Partners >= ctx.Get(minimum))
                .OrderByDescending(s => s.Partners).ThenBy(s => s.MatchKey, StringComparer.Ordinal)
                .ToList();
            ctx.Output.WriteList(shared, SharedColumns, $"No account is known to {ctx.Get(minimum)} or more partners (in what they share).");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// No garbage collection while a command resolves and prints overlaps (<see cref="NoCollections"/>):
    /// 200,000 overlaps made five blocking gen2 collections, ~0.2 CPU-s. Past the budget (256 MB, ~300,000
    /// overlaps) collections are blocking ones (batch), as before.
    /// </summary>
    private static NoCollections? Quiet()
    {
        GCSettings.LatencyMode = GCLatencyMode.Batch;
        return NoCollections.Begin(256L << 20);
    }

    private static async Task<List<ResolvedOverlap>> Resolve(CommandContext ctx, string? partnerId)
    {
        var files = new PartnerFiles(ctx);
        // Asked for on another thread while the secret and the index open here (the client's first
        // request, and compiling what it runs, takes longer than both); its errors come after theirs, as before.
        var asked = Task.Run(async () =>
        {
            var client = ctx.Client();
            return (client, await Resolver.Partnerships(client, partnerId, ctx.Cancellation));
        });
        using var secret = files.LoadSecret();
        using var store = files.OpenIndex();
        var (client, partnerships) = await asked;
        var resolver = new Resolver(client, store, secret, ctx.Environment.Error);
        // Each partnership's overlaps come ordered by key and population; in partner name order
        // (stable), they are the whole list in order, unless two partners share a name.
        var lists = new List<(string Name, List<ResolvedOverlap> Overlaps)>();
        foreach (var partnership in partnerships)
            lists.Add((partnership.Theirs.PartnerName, await resolver.Overlaps(partnership, ctx.Cancellation)));
        var all = new List<ResolvedOverlap>(lists.Sum(l => l.Overlaps.Count));
        foreach (var (_, overlaps) in lists.OrderBy(l => l.Name, StringComparer.Ordinal)) all.AddRange(overlaps);
        if (lists.Select(l => l.Name).Distinct(StringComparer.Ordinal).Count() == lists.Count) return all;
        return [.. all.OrderBy(o => o.PartnerName, StringComparer.Ordinal).ThenBy(o => o.MatchKey, StringComparer.Ordinal).ThenBy(o => o.MyPopulation, StringComparer.Ordinal)];
    }
}
