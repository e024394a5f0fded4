using System.Text;
using System.Text.Json;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Local;
using CoSellNet.Cli.Output;
using CoSellNet.Client;
using CoSellNet.Crypto;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Sync;

/// <summary>
/// One of my accounts that a partner also has, resolved on my machine. <see cref="RecordId"/> is my
/// own record id of the overlap (lower-case hex): with the partner's id it is what
/// <c>cosell rooms open --from-overlap</c> takes (<see cref="Reference"/>).
/// </summary>
internal sealed record ResolvedOverlap(
    string Partner, string PartnerName, string Account, string? Website, string MatchKey, string MyPopulation,
    IReadOnlyList<string> TheirPopulations, IReadOnlyDictionary<string, string> TheirFields, string Source, string RecordId)
{
    /// <summary>partner-id:record-id, as <c>cosell rooms open --from-overlap</c> takes it.</summary>
    public string Reference => Partner + ":" + RecordId;
}

/// <summary>
/// Turns released results into my accounts: the node returns only my own record ids, which my
/// local index maps back to accounts, and the partner's fields sealed for me, which only I can open.
/// </summary>
internal sealed class Resolver(CoSellNetClient client, LocalStore store, MasterSecret secret, TextWriter error)
{
    private static readonly IReadOnlyDictionary<string, string> NoFields = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>My overlaps with one partner, ordered by match key, then my population.</summary>
    public async Task<List<ResolvedOverlap>> Overlaps(PartnershipView partnership, CancellationToken ct)
    {
        var counterpart = partnership.Theirs.PartnerId;
        var found = new Found();
        using var lookup = store.Lookup(partnership.Id, partnership.Epoch);
        // Accounts are looked up on two connections, one for each core (records are not: while a
        // page's are, the node is making the next page, and a second thread here only took its core).
        using var another = store.OpenAnother();
        using var lookup2 = another.Lookup(partnership.Id, partnership.Epoch);
        // The largest page the node gives for overlaps. The next page is on its way while this one's
        // records are looked up: the node's work and mine overlap. The lookups are a chain of their
        // own, page after page, so that the next request leaves as soon as a page has come.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<OverlapPage>? next = client.GetOverlapPageAsync(counterpart, null, OverlapPages.MaxPageSize, stop.Token);
        var looked = Task.CompletedTask;
        try
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (next is not null)
            {
                var page = await next;
                next = null;
                if (page.NextCursor is { } cursor)
                {
                    if (!seen.Add(cursor))
                        throw new CoSellNetException("The node returned the same page cursor twice; stopped listing to avoid an endless loop.");
                    next = client.GetOverlapPageAsync(counterpart, cursor, OverlapPages.MaxPageSize, stop.Token);
                }
                // A lookup that failed fails the ones after it (and is thrown below).
                looked = looked.ContinueWith(before =>
                {
                    before.GetAwaiter().GetResult();
                    found.AddRecords(page, lookup);
                }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
        }
        finally
        {
            if (next is not null)
            {
                // Stopped early (an error): the page in flight is not wanted, only waited for.
                await stop.CancelAsync();
                await next.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            // The lookups end before their connection is closed.
            await looked.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        await looked;
        // Looked up once, before the loop: without the partner's keys, one warning rather than one per overlap.
        using var sealer = found.AnyFields ? await Sealer(partnership, ct) : null;
        var list = Accounts(found, lookup, lookup2, sealer, partnership);
        if (found.Unknown > 0)
            error.WriteLine($"note: {found.Unknown:N0} overlaps with {partnership.Theirs.PartnerName} are records no longer in my list; run 'cosell sync' to update.");
        return list;
    }

    /// <summary>
    /// The found records' accounts, looked up in the order shown (by key, then my population), which
    /// is their own key order within a population: the first half of that order on one lookup, the
    /// second on the other, at the same time. A loop of its own rather than in the async method,
    /// whose locals live in its state machine.
    /// </summary>
    private List<ResolvedOverlap> Accounts(Found found, OverlapLookup lookup, OverlapLookup lookup2, FieldSealer? sealer, PartnershipView partnership)
    {
        var (counterpart, partnerName) = (partnership.Theirs.PartnerId, partnership.Theirs.PartnerName);
        var order = Order(found.Keys, found.Mine, found.Count);
        var resolved = new ResolvedOverlap?[order.Length];
        void Resolve(OverlapLookup lookup, int from, int to)
        {
            for (var k = from; k < to; k++)
            {
                var i = order[k];
                ref readonly var record = ref found.Records[i];
                if (!lookup.TryAccount(record, out var account)) continue;
                var fields = NoFields;
                if (sealer is not null && found.Fields[i] is { Count: > 0 } shared)
                    fields = Open(sealer, shared, account.Name ?? record.Key, partnership);
                resolved[k] = new ResolvedOverlap(counterpart, partnerName, account.Name ?? record.Key, account.Website, record.Key,
                    found.Mine[i], found.Theirs[i], fields, account.Source, found.RecordIds[i]);
            }
        }
        // Fields that do not open are warned about in order: with fields to open (rare), one lookup does it all.
        var half = sealer is null ? order.Length / 2 : order.Length;
        TwoCores.Run(() => Resolve(lookup, 0, half), () => Resolve(lookup2, half, order.Length));
        var list = new List<ResolvedOverlap>(order.Length);
        foreach (var overlap in resolved)
        {
            if (overlap is null) found.Unknown++;
            else list.Add(overlap);
        }
        return list;
    }

    /// <summary>
    /// The overlaps whose records are still mine, before their accounts are looked up: arrays side by
    /// side, grown by doubling (no list of structs, whose methods a ReadyToRun build leaves to the JIT).
    /// </summary>
    private sealed class Found
    {
        public RecordKey[] Records = [];
        public string[] Keys = [];
        public string[] Mine = [];
        public IReadOnlyList<string>[] Theirs = [];
        public IReadOnlyList<SharedFields>?[] Fields = [];
        public string[] RecordIds = [];
        public int Count;
        public int Unknown;
        public bool AnyFields;
        // Populations repeat on every overlap: one string each rather than one per overlap.
        private readonly Dictionary<string, string> names = new(StringComparer.Ordinal);
        // The page's lists of their populations, one per distinct list: shared by every overlap with it.
        private readonly Dictionary<IReadOnlyList<string>, IReadOnlyList<string>> populations = new(ReferenceEqualityComparer.Instance);

        /// <summary>The page's overlaps whose records are mine; those that are not are counted as unknown.</summary>
        public void AddRecords(OverlapPage page, OverlapLookup lookup)
        {
            Reserve(Count + page.Count);
            populations.Clear();
            var ids = page.RecordIds.Span;
            for (var i = 0; i < page.Count; i++)
            {
                // Ids that were not 32 hex digits are all zeros in the page: they match no record of mine.
                var id = ids.Slice(i * OverlapPage.RecordIdSize, OverlapPage.RecordIdSize);
                if (!lookup.TryRecord(id, out var record))
                {
                    Unknown++;
                    continue;
                }
                var theirs = page.TheirPopulations(i);
                if (!populations.TryGetValue(theirs, out var theirPopulations))
                    populations[theirs] = theirPopulations = [.. theirs.Select(Shared)];
                var fields = page.Fields(i);
                AnyFields |= fields.Count > 0;
                var n = Count++;
                Records[n] = record;
                Keys[n] = record.Key;
                Mine[n] = Shared(page.MyPopulation(i));
                Theirs[n] = theirPopulations;
                Fields[n] = fields.Count > 0 ? fields : null;
                RecordIds[n] = Convert.ToHexStringLower(id);
            }
        }

        private string Shared(string name) => names.TryGetValue(name, out var same) ? same : names[name] = name;

        private void Reserve(int size)
        {
            if (size <= Records.Length) return;
            size = Math.Max(size, Records.Length * 2);
            Array.Resize(ref Records, size);
            Array.Resize(ref Keys, size);
            Array.Resize(ref Mine, size);
            Array.Resize(ref Theirs, size);
            Array.Resize(ref Fields, size);
            Array.Resize(ref RecordIds, size);
        }
    }

    /// <summary>Overlaps by match key, then my population (ordinal): see <see cref="Order"/>.</summary>
    internal static List<ResolvedOverlap> Sorted(List<ResolvedOverlap> list)
    {
        var items = list.ToArray();
        var order = Order([.. items.Select(o => o.MatchKey)], [.. items.Select(o => o.MyPopulation)], items.Length);
        list.Clear();
        foreach (var i in order) list.Add(items[i]);
        return list;
    }

    /// <summary>
    /// The positions of the first <paramref name="count"/> items in order of their key, then their
    /// population (ordinal): the keys sorted alongside the positions (no delegate per comparison),
    /// then each run of one key (an account in two of my populations) by population. The keys are
    /// sorted in two halves at once, one on each core, then merged.
    /// </summary>
    internal static int[] Order(string[] keys, string[] populations, int count)
    {
        var positions = new int[count];
        for (var i = 0; i < positions.Length; i++) positions[i] = i;
        var halves = keys[..count];
        var half = count / 2;
        TwoCores.Run(() => Array.Sort(halves, positions, 0, half, StringComparer.Ordinal),
            () => Array.Sort(halves, positions, half, count - half, StringComparer.Ordinal));
        // Merged from both ends at once: the smaller half of the items from the front, the rest from the
        // back (on equal keys the front takes the first half's, the back the second's: one stable merge).
        var (sorted, order) = (new string[count], new int[count]);
        TwoCores.Run(() =>
        {
            for (int a = 0, b = half, k = 0; k < half; k++)
            {
                var first = b == count || (a < half && string.CompareOrdinal(halves[a], halves[b]) <= 0);
                (sorted[k], order[k]) = first ? (halves[a], positions[a++]) : (halves[b], positions[b++]);
            }
        }, () =>
        {
            for (int a = half - 1, b = count - 1, k = count - 1; k >= half; k--)
            {
                var second = a < 0 || (b >= half && string.CompareOrdinal(halves[a], halves[b]) <= 0);
                (sorted[k], order[k]) = second ? (halves[b], positions[b--]) : (halves[a], positions[a--]);
            }
        });
        for (int start = 0, end; start < order.Length; start = end)
        {
            for (end = start + 1; end < order.Length && string.Equals(sorted[end], sorted[start], StringComparison.Ordinal); end++) { }
            if (end - start > 1)
                Array.Sort(order, start, end - start, Comparer<int>.Create((x, y) => string.CompareOrdinal(populations[x], populations[y])));
        }
        return order;
    }

    private SortedDictionary<string, string> Open(FieldSealer sealer, IReadOnlyList<SharedFields> shared, string account, PartnershipView partnership)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var one in shared)
        {
            try
            {
                var opened = sealer.Open(Convert.FromHexString(one.TheirRecordId), Convert.FromBase64String(one.Sealed));
                foreach (var (name, value) in JsonSerializer.Deserialize(opened, CliJsonContext.Default.DictionaryStringString) ?? [])
                    fields[name] = value;
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or JsonException or FormatException)
            {
                error.WriteLine($"warning: fields {partnership.Theirs.PartnerName} shared on {account} do not open ({e.Message}); they are left out.");
            }
        }
        return fields;
    }

    private async Task<FieldSealer?> Sealer(PartnershipView partnership, CancellationToken ct)
    {
        var entry = await client.GetDirectoryEntryAsync(partnership.Theirs.PartnerId, ct);
        if (entry.PublicKeys is { } keys && PublicKeyDocument.TryParse(keys.Version, keys.X25519, keys.Ed25519, out var document, out _))
            return secret.CreateFieldSealer(document, partnership.Id, partnership.Epoch);
        error.WriteLine($"warning: {partnership.Theirs.PartnerName} has no public keys on the node, so its shared fields cannot be opened.");
        return null;
    }

    /// <summary>Active partnerships, or the one with <paramref name="partnerId"/>.</summary>
    public static async Task<List<PartnershipView>> Partnerships(CoSellNetClient client, string? partnerId, CancellationToken ct)
    {
        if (partnerId is not null)
        {
            var one = await client.GetPartnershipAsync(partnerId, ct);
            return [one];
        }
        var list = new List<PartnershipView>();
        await foreach (var p in client.ListAllPartnershipsAsync(ct))
            if (p.Status == PartnershipStatus.Active) list.Add(p);
        return list;
    }

    public static string Fields(IReadOnlyDictionary<string, string> fields)
    {
        if (fields.Count == 0) return "";
        var text = new StringBuilder();
        foreach (var (name, value) in fields)
            text.Append(text.Length == 0 ? "" : "; ").Append(name).Append('=').Append(value);
        return text.ToString();
    }
}
