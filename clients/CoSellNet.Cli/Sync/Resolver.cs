using System.Text;
using System.Text.Json;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Local;
using CoSellNet.Client;
using CoSellNet.Crypto;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Sync;

/// <summary>One of my accounts that a partner also has, resolved on my machine.</summary>
internal sealed record ResolvedOverlap(
    string Partner, string PartnerName, string Account, string? Website, string MatchKey, string MyPopulation,
    IReadOnlyList<string> TheirPopulations, IReadOnlyDictionary<string, string> TheirFields, string Source);

/// <summary>
/// Turns released results into my accounts: the node returns only my own record ids, which my
/// local index maps back to accounts, and the partner's fields sealed for me, which only I can open.
/// </summary>
internal sealed class Resolver(CoSellNetClient client, LocalStore store, MasterSecret secret, TextWriter error)
{
    public async Task<List<ResolvedOverlap>> Overlaps(PartnershipView partnership, CancellationToken ct)
    {
        var counterpart = partnership.Theirs.PartnerId;
        FieldSealer? sealer = null;
        var sealerTried = false;
        var list = new List<ResolvedOverlap>();
        var unknown = 0;
        try
        {
            // The largest page the node gives, and one local lookup per page.
            string? cursor = null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var ids = new List<UInt128>(Vocabulary.MaxPageSize);
            var id = new byte[RecordIds.Size];
            do
            {
                var page = await client.GetOverlapsAsync(counterpart, cursor, Vocabulary.MaxPageSize, ct);
                var items = page.Items ?? [];
                ids.Clear();
                foreach (var overlap in items)
                    ids.Add(Convert.FromHexString(overlap.RecordId, id, out _, out var written) == System.Buffers.OperationStatus.Done && written == RecordIds.Size
                        ? RecordIds.Of(id) : UInt128.Zero);
                var accounts = store.AccountsOf(partnership.Id, partnership.Epoch, ids);
                for (var i = 0; i < items.Count; i++)
                {
                    var overlap = items[i];
                    if (!accounts.TryGetValue(ids[i], out var account))
                    {
                        unknown++;
                        continue;
                    }
                    var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
                    foreach (var shared in overlap.Fields)
                    {
                        // Looked up once: without the partner's keys, one warning rather than one per overlap.
                        if (!sealerTried)
                        {
                            sealerTried = true;
                            sealer = await Sealer(partnership, ct);
                        }
                        if (sealer is null) break;
                        try
                        {
                            var opened = sealer.Open(Convert.FromHexString(shared.TheirRecordId), Convert.FromBase64String(shared.Sealed));
                            foreach (var (name, value) in JsonSerializer.Deserialize<Dictionary<string, string>>(opened) ?? [])
                                fields[name] = value;
                        }
                        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or JsonException or FormatException)
                        {
                            error.WriteLine($"warning: fields {partnership.Theirs.PartnerName} shared on {account.Name ?? account.Key.Value} do not open ({e.Message}); they are left out.");
                        }
                    }
                    list.Add(new ResolvedOverlap(counterpart, partnership.Theirs.PartnerName, account.Name ?? account.Key.Value, account.Website, account.Key.Value,
                        overlap.MyPopulation, overlap.TheirPopulations, fields, account.Source));
                }
                cursor = page.NextCursor;
                if (cursor is not null && !seen.Add(cursor))
                    throw new CoSellNetException("The node returned the same page cursor twice; stopped listing to avoid an endless loop.");
            }
            while (cursor is not null);
        }
        finally { sealer?.Dispose(); }
        if (unknown > 0)
            error.WriteLine($"note: {unknown:N0} overlaps with {partnership.Theirs.PartnerName} are records no longer in my list; run 'cosell sync' to update.");
        return list;
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
        var text = new StringBuilder();
        foreach (var (name, value) in fields)
            text.Append(text.Length == 0 ? "" : "; ").Append(name).Append('=').Append(value);
        return text.ToString();
    }
}
