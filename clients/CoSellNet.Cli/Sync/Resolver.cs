using System.Text;
using System.Text.Json;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Local;
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
        FieldSealer? sealer = null;
        var sealerTried = false;
        var list = new List<ResolvedOverlap>();
        var unknown = 0;
        // Populations repeat on every overlap: one string each rather than one per overlap.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        string Shared(string name) => names.TryGetValue(name, out var same) ? same : names[name] = name;
        // The page's lists of their populations, one per distinct list: shared by every overlap with it.
        var populations = new Dictionary<IReadOnlyList<string>, IReadOnlyList<string>>(ReferenceEqualityComparer.Instance);
        // The largest page the node gives for overlaps, and one local lookup per page. The next
        // page is on its way while this one is looked up: the node's work and mine overlap.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<OverlapPage>? next = client.GetOverlapPageAsync(counterpart, null, OverlapPages.MaxPageSize, stop.Token);
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
                // Ids that were not 32 hex digits are all zeros in the page: they match no record of mine.
                var accounts = store.AccountsOf(partnership.Id, partnership.Epoch, page.RecordIds);
                populations.Clear();
                list.EnsureCapacity(list.Count + page.Count);
                for (var i = 0; i < page.Count; i++)
                {
                    if (accounts[i] is not { } account)
                    {
                        unknown++;
                        continue;
                    }
                    var fields = NoFields;
                    var shared = page.Fields(i);
                    if (shared.Count > 0)
                    {
                        // Looked up once: without the partner's keys, one warning rather than one per overlap.
                        if (!sealerTried)
                        {
                            sealerTried = true;
                            sealer = await Sealer(partnership, ct);
                        }
                        if (sealer is not null) fields = Open(sealer, shared, account.Name ?? Key(account), partnership);
                    }
                    var theirs = page.TheirPopulations(i);
                    if (!populations.TryGetValue(theirs, out var theirPopulations))
                        populations[theirs] = theirPopulations = [.. theirs.Select(Shared)];
                    var key = Key(account);
                    var recordId = Convert.ToHexStringLower(page.RecordIds.Span.Slice(i * OverlapPage.RecordIdSize, OverlapPage.RecordIdSize));
                    list.Add(new ResolvedOverlap(counterpart, partnership.Theirs.PartnerName, account.Name ?? key, account.Website, key,
                        Shared(page.MyPopulation(i)), theirPopulations, fields, account.Source, recordId));
                }
            }
        }
        finally
        {
            sealer?.Dispose();
            if (next is not null)
            {
                // Stopped early (an error): the page in flight is not wanted, only waited for.
                await stop.CancelAsync();
                await next.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        if (unknown > 0)
            error.WriteLine($"note: {unknown:N0} overlaps with {partnership.Theirs.PartnerName} are records no longer in my list; run 'cosell sync' to update.");
        return Sorted(list);
    }

    /// <summary>
    /// By match key, then my population (ordinal): the keys sorted alongside the overlaps (no delegate
    /// and no property reads per comparison), then each run of one key (an account in two of my
    /// populations) by population.
    /// </summary>
    internal static List<ResolvedOverlap> Sorted(List<ResolvedOverlap> list)
    {
        var items = list.ToArray();
        var keys = new string[items.Length];
        for (var i = 0; i < items.Length; i++) keys[i] = items[i].MatchKey;
        Array.Sort(keys, items, StringComparer.Ordinal);
        for (int start = 0, end; start < items.Length; start = end)
        {
            for (end = start + 1; end < items.Length && string.Equals(keys[end], keys[start], StringComparison.Ordinal); end++) { }
            if (end - start > 1)
                Array.Sort(items, start, end - start, Comparer<ResolvedOverlap>.Create(static (x, y) => string.CompareOrdinal(x.MyPopulation, y.MyPopulation)));
        }
        list.Clear();
        list.AddRange(items);
        return list;
    }

    /// <summary>The key as shown: the stored form without its kind (d:acme.com shows as acme.com), as MatchKey.Value gives it.</summary>
    private static string Key(OverlapAccount account) =>
        account.MatchKey.Length > 2 && account.MatchKey[1] == ':' ? account.MatchKey[2..] : account.MatchKey;

    private SortedDictionary<string, string> Open(FieldSealer sealer, IReadOnlyList<SharedFields> shared, string account, PartnershipView partnership)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var one in shared)
        {
            try
            {
                var opened = sealer.Open(Convert.FromHexString(one.TheirRecordId), Convert.FromBase64String(one.Sealed));
                foreach (var (name, value) in JsonSerializer.Deserialize<Dictionary<string, string>>(opened) ?? [])
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
    public async Task<List<PartnershipView>> Partnerships(string? partnerId, CancellationToken ct)
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
