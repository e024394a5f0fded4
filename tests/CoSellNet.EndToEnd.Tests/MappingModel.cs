using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CoSellNet.Protocol;

namespace CoSellNet.EndToEnd.Tests;

/// <summary>One account of a partner's list as the test expects the CLI to keep it: the first row per population and key.</summary>
public sealed record Account(string Population, string Key, string? Name, string? Website, string Source, IReadOnlyDictionary<string, string> Fields)
{
    public string KeyValue => Key[2..];
    public (string, string) Identity => (Population, Key);
}

/// <summary>A partner of the test: its node identity, its own <c>cosell</c>, its exports and what it shares with whom.</summary>
public sealed class Party(string label, string name, PartnerType type) : IDisposable
{
    public string Label { get; } = label;
    public string Name { get; } = name;
    public PartnerType Type { get; } = type;
    public string Id { get; set; } = "";
    public string ApiKey { get; set; } = "";
    public Cli Cli { get; } = new(label);

    /// <summary>--name-keys on sync.</summary>
    public bool NameKeys { get; init; }

    /// <summary>--fields on sync: the columns shared at level fields.</summary>
    public string[] FieldColumns { get; init; } = [];

    /// <summary>Other sync options (--map, --population-map).</summary>
    public string[] SyncOptions { get; init; } = [];

    /// <summary>What I share of my populations with each counterpart (by its label).</summary>
    public Dictionary<string, SharingRule[]> Shares { get; } = [];

    public List<Export> Exports { get; set; } = [];

    /// <summary>Writes the exports into my directory; their paths, in order.</summary>
    public List<string> WriteExports()
    {
        var paths = new List<string>();
        foreach (var export in Exports)
        {
            var path = Path.Combine(Cli.Directory, export.FileName);
            File.WriteAllBytes(path, export.Bytes);
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>The arguments of <c>cosell sync</c> with my exports.</summary>
    public string[] SyncArguments(List<string> paths) =>
    [
        "sync", .. paths, .. SyncOptions, .. NameKeys ? new[] { "--name-keys" } : [],
        .. FieldColumns.Length > 0 ? new[] { "--fields", string.Join(',', FieldColumns) } : [], "-o", "json",
    ];

    /// <summary>My list as the CLI must import it: one account per population and key, the first row winning.</summary>
    public List<Account> Accounts()
    {
        var accounts = new List<Account>();
        var seen = new HashSet<(string, string)>();
        foreach (var row in Exports.SelectMany(e => e.Rows).Where(r => r.Fate == Fate.Row))
        {
            if (row.Key(NameKeys) is not { } key || !seen.Add((row.Population!, key))) continue;
            var fields = row.Fields.Where(f => FieldColumns.Contains(f.Key)).ToDictionary(f => f.Key, f => f.Value);
            accounts.Add(new Account(row.Population!, key, row.Name, row.Website, $"{row.File}:{row.Line}", fields));
        }
        return accounts;
    }

    public SharingLevel Level(Party counterpart, string population) =>
        Shares[counterpart.Label].FirstOrDefault(r => r.Population == population)?.Level ?? SharingLevel.None;

    public SharingRule? Rule(Party counterpart, string population) => Shares[counterpart.Label].FirstOrDefault(r => r.Population == population);

    public string[] RuleArguments(Party counterpart) =>
        [.. Shares[counterpart.Label].SelectMany(r => new[] { "--rule", $"{r.Population}={r.Level.ToString().ToLowerInvariant()}" + (r.MinSegmentSize > 0 ? $":{r.MinSegmentSize}" : "") })];

    public void Dispose() => Cli.Dispose();
}

/// <summary>The JSON the CLI prints, read back.</summary>
public sealed record OverlapJson(string Partner, string PartnerName, string Account, string? Website, string MatchKey, string MyPopulation,
    List<string> TheirPopulations, Dictionary<string, string> TheirFields, string Source);

/// <summary>Where an overlap came from: my record id, and partner-id:record-id as <c>cosell rooms open --from-overlap</c> takes it.</summary>
public sealed record OverlapReferenceJson(string Partner, string RecordId, string Reference);

public sealed record CellJson(string MyPopulation, string TheirPopulation, long? Count, int? FewerThan);

public sealed record SharedJson(string Account, string MatchKey, string MyPopulations, int Partners, string PartnerNames, string Source);

public sealed record SyncJson(string Counterpart, string CounterpartName, int Epoch, int Added, int Removed, int FieldsSealed, long Reblinded, PsiStatus? Status, string? Note);

/// <summary>
/// The true figures, computed from the plaintext exports and the sharing rules alone: what each
/// side sends each partner, the count matrix, overlaps, whitespace and the multi-partner view. The
/// CLI's output must equal these line for line.
/// </summary>
public static class Truth
{
    /// <summary>Equal lists of lines, or a failure that names every missing and every unexpected line.</summary>
    public static void Same(IEnumerable<string> expected, IEnumerable<string> actual, string what)
    {
        var e = expected.ToList();
        var a = actual.ToList();
        if (e.SequenceEqual(a)) return;
        var missing = e.Except(a).ToList();
        var extra = a.Except(e).ToList();
        throw new Xunit.Sdk.XunitException(
            $"{what}: expected {e.Count} lines, got {a.Count}.\n" +
            $"Missing ({missing.Count}):\n  {string.Join("\n  ", missing.Take(30))}\n" +
            $"Unexpected ({extra.Count}):\n  {string.Join("\n  ", extra.Take(30))}" +
            (missing.Count == 0 && extra.Count == 0 ? "\n(same lines, different order or repeats)" : ""));
    }

    /// <summary>What <paramref name="me"/> uploads to <paramref name="them"/>: the populations I share at counts or more, once they share anything.</summary>
    public static List<Account> Sent(Party me, Party them) =>
        them.Shares[me.Label].Any(r => r.Level >= SharingLevel.Counts)
            ? [.. me.Accounts().Where(a => me.Level(them, a.Population) >= SharingLevel.Counts)]
            : [];

    public static List<string> Matrix(Party me, Party them)
    {
        var theirs = Sent(them, me).ToLookup(a => a.Key);
        var counts = new Dictionary<(string Mine, string Theirs), long>();
        foreach (var a in Sent(me, them))
            foreach (var b in theirs[a.Key])
                counts[(a.Population, b.Population)] = counts.GetValueOrDefault((a.Population, b.Population)) + 1;
        var cells = new List<string>();
        foreach (var ((mine, their), count) in counts)
        {
            if (them.Rule(me, their) is not { Level: >= SharingLevel.Counts } rule) continue;
            cells.Add(count < rule.MinSegmentSize ? Cell(new CellJson(mine, their, null, rule.MinSegmentSize)) : Cell(new CellJson(mine, their, count, null)));
        }
        return [.. cells.Order(StringComparer.Ordinal)];
    }

    public static string Cell(CellJson c) => $"{c.MyPopulation} × {c.TheirPopulation}: " + (c.Count is { } n ? n.ToString(CultureInfo.InvariantCulture) : $"< {c.FewerThan}");

    /// <summary>My overlaps with every partner, in the CLI's order (partner name, key, my population).</summary>
    public static List<OverlapJson> Overlaps(Party me, IEnumerable<Party> partners)
    {
        var list = new List<OverlapJson>();
        foreach (var them in partners)
        {
            var theirs = Sent(them, me).Where(b => them.Level(me, b.Population) >= SharingLevel.Overlaps).ToLookup(a => a.Key);
            foreach (var a in Sent(me, them))
            {
                var matches = theirs[a.Key].OrderBy(b => b.Population, StringComparer.Ordinal).ToList();
                if (matches.Count == 0) continue;
                var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var b in matches.Where(b => them.Level(me, b.Population) == SharingLevel.Fields))
                    foreach (var (name, value) in b.Fields) fields[name] = value;
                list.Add(new OverlapJson(them.Id, them.Name, a.Name ?? a.KeyValue, a.Website, a.KeyValue, a.Population,
                    [.. matches.Select(b => b.Population).Distinct()], new Dictionary<string, string>(fields), a.Source));
            }
        }
        return [.. list.OrderBy(o => o.PartnerName, StringComparer.Ordinal).ThenBy(o => o.MatchKey, StringComparer.Ordinal).ThenBy(o => o.MyPopulation, StringComparer.Ordinal)];
    }

    public static List<OverlapJson> Whitespace(List<OverlapJson> overlaps) =>
        [.. overlaps.Where(o => o.MyPopulation is "prospects" or "opportunities" && o.TheirPopulations.Contains("customers"))];

    public static List<SharedJson> Shared(List<OverlapJson> overlaps, int minimum = 2) =>
    [
        .. overlaps.GroupBy(o => o.MatchKey)
            .Select(g => new SharedJson(g.First().Account, g.Key,
                string.Join(", ", g.Select(o => o.MyPopulation).Distinct().Order()),
                g.Select(o => o.Partner).Distinct().Count(),
                string.Join(", ", g.Select(o => o.PartnerName).Distinct().Order()),
                g.First().Source))
            .Where(s => s.Partners >= minimum)
            .OrderByDescending(s => s.Partners).ThenBy(s => s.MatchKey, StringComparer.Ordinal),
    ];

    public static string Line(OverlapJson o) =>
        $"{o.PartnerName} | {o.MatchKey} | {o.MyPopulation} | {o.Account} | {o.Website} | {string.Join(",", o.TheirPopulations)} | " +
        $"{string.Join("; ", o.TheirFields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}"))} | {o.Source} | {o.Partner}";

    public static string Line(SharedJson s) => $"{s.MatchKey} | {s.Account} | {s.MyPopulations} | {s.Partners} | {s.PartnerNames} | {s.Source}";
}

/// <summary>
/// What each sync must report, partnership by partnership: records added and removed (what
/// changed in what I send since my last sync), fields sealed, and the partner's points re-blinded
/// (what it committed since I last re-blinded).
/// </summary>
public sealed class SyncLedger
{
    private readonly Dictionary<(string Owner, string Counterpart), HashSet<(string, string)>> _committed = [];
    private readonly Dictionary<(string Me, string Them), HashSet<(string, string)>> _reblinded = [];
    private readonly Dictionary<(string Owner, string Counterpart), Dictionary<(string, string), string>> _sealed = [];

    /// <summary>Records added, removed and fields sealed so far, per side and counterpart: what the node must have received.</summary>
    public Dictionary<(string Owner, string Counterpart), (long Added, long Removed, long Sealed)> Totals { get; } = [];

    public sealed record Expected(string Counterpart, int Added, int Removed, int FieldsSealed, long Reblinded)
    {
        public override string ToString() => $"{Counterpart}: +{Added} -{Removed}, {FieldsSealed} sealed, {Reblinded} re-blinded";
    }

    /// <summary>What a sync of <paramref name="me"/> with each of <paramref name="partners"/> must report; records it as done.</summary>
    public List<Expected> Sync(Party me, IEnumerable<Party> partners)
    {
        var expected = new List<Expected>();
        foreach (var them in partners)
        {
            var sent = Truth.Sent(me, them);
            var before = _committed.GetValueOrDefault((me.Label, them.Label)) ?? [];
            var now = sent.Select(a => a.Identity).ToHashSet();
            var added = sent.Where(a => !before.Contains(a.Identity)).ToList();
            var removed = before.Count(r => !now.Contains(r));
            _committed[(me.Label, them.Label)] = now;

            // Fields are sealed when they differ from what was sealed last for the record (nothing at first).
            var sealedBefore = _sealed.GetValueOrDefault((me.Label, them.Label)) ?? [];
            var sealedNow = sealedBefore.Where(s => now.Contains(s.Key)).ToDictionary();
            var sealedCount = 0;
            foreach (var a in sent.Where(a => me.Level(them, a.Population) == SharingLevel.Fields))
            {
                var text = string.Join("; ", a.Fields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}"));
                if (text != sealedNow.GetValueOrDefault(a.Identity, "")) sealedCount++;
                sealedNow[a.Identity] = text;
            }
            _sealed[(me.Label, them.Label)] = sealedNow;

            var theirs = _committed.GetValueOrDefault((them.Label, me.Label)) ?? [];
            var done = _reblinded.GetValueOrDefault((me.Label, them.Label)) ?? [];
            var reblinded = theirs.Count(r => !done.Contains(r));
            _reblinded[(me.Label, them.Label)] = [.. theirs];
            expected.Add(new Expected(them.Id, added.Count, removed, sealedCount, reblinded));
            var total = Totals.GetValueOrDefault((me.Label, them.Label));
            Totals[(me.Label, them.Label)] = (total.Added + added.Count, total.Removed + removed, total.Sealed + sealedCount);
        }
        return [.. expected.OrderBy(e => e.Counterpart, StringComparer.Ordinal)];
    }

    public static List<Expected> Reported(CliResult result) =>
        [.. result.Read<List<SyncJson>>().Select(s => new Expected(s.Counterpart, s.Added, s.Removed, s.FieldsSealed, s.Reblinded)).OrderBy(e => e.Counterpart, StringComparer.Ordinal)];
}

/// <summary>Sets up partners on a node: created by the operator, each with its own CLI config and master secret; partnerships through the CLI.</summary>
public static class Network
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task Join(NodeProcess node, Party party, Uri? url = null)
    {
        using var op = node.Client(node.OperatorKey);
        var response = await op.PostAsJsonAsync(Routes.Partners,
            new PartnerRegistration(party.Name, $"{party.Label}-partner-{Guid.NewGuid():N}"[..30] + ".com", party.Type), Json);
        response.EnsureSuccessStatusCode();
        var created = (await response.Content.ReadFromJsonAsync<PartnerCreated>(Json))!;
        party.Id = created.Partner.Entry.Id;
        party.ApiKey = created.ApiKey.Secret;
        (await party.Cli.Run("config", "set", "--url", (url ?? node.Url).ToString(), "--key", party.ApiKey)).Ok();
        (await party.Cli.Run("secret", "init", "-o", "json")).Ok();
    }

    /// <summary>The first proposes with its rules, the second accepts with its own.</summary>
    public static async Task Partner(Party proposer, Party acceptor)
    {
        (await proposer.Cli.Run(["partnerships", "propose", acceptor.Id, "--motion", "co-sell", .. proposer.RuleArguments(acceptor)])).Ok();
        (await acceptor.Cli.Run(["partnerships", "accept", proposer.Id, "--motion", "co-sell", .. acceptor.RuleArguments(proposer)])).Ok();
    }
}
