using System.Buffers.Binary;
using System.Text.Json;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Local;
using CoSellNet.Client;
using CoSellNet.Crypto;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Sync;

/// <summary>A list imported by this run, and the list version it makes once the run's writer has stored it.</summary>
internal sealed record ImportedList(IReadOnlyList<LocalAccount> Accounts, long Version);

/// <summary>What one sync did in one partnership.</summary>
internal sealed record PartnershipSync(string Counterpart, string CounterpartName, int Epoch, int Added, int Removed, int FieldsSealed, long Reblinded, PsiStatus? Status, string? Note);

/// <summary>
/// My half of the PSI protocol in one partnership: finish uploads left in flight, send what changed
/// in my list since the last sync (in a random order, blinded with this partnership's key chunk by
/// chunk while the previous chunk is sent), and, at the same time, re-blind the counterpart's new
/// points into tags (<see cref="StartReblinding"/>). Every step is recorded locally before it is
/// sent, so a run that is killed at any point continues on the next run without duplicating.
/// <paramref name="store"/> is only read, by the upload; the re-blinding reads its count on
/// <paramref name="reblindReads"/> (a connection serves one thread at a time); every write goes
/// through <paramref name="writes"/>, in order, and is awaited where it must be durable first.
/// </summary>
internal sealed partial class SyncEngine(CoSellNetClient client, LocalStore store, LocalStore reblindReads, StoreWriter writes, MasterSecret secret, ProgressOutput output, long maxReblind)
{
    private const int MaxChunkBytes = 4 << 20;
    private ImportedList? imported;
    private IReadOnlyList<LocalAccount>? accounts;

    // Read once per run, whichever partnerships need it.
    private IReadOnlyList<LocalAccount> Accounts() => accounts ??= store.Accounts();

    /// <summary>The list imported by this run (its write queued on the writer), or null to use the one the local index holds.</summary>
    public void UseImported(ImportedList? list) => (imported, accounts) = (list, list?.Accounts);

    /// <summary>Why a partnership is not synced at all, or null.</summary>
    private static string? Skipped(PartnershipView partnership) =>
        partnership.Status != PartnershipStatus.Active ? $"skipped: the partnership is {partnership.Status.ToString().ToLowerInvariant()}"
        : partnership.Mine.Paused || partnership.Theirs.Paused ? "skipped: the partnership is paused"
        : null;

    /// <param name="reblinding">This partnership's re-blinding, from <see cref="StartReblinding"/>.</param>
    public async Task<PartnershipSync> Run(PartnershipView partnership, Task<long> reblinding, CancellationToken ct)
    {
        var counterpart = partnership.Theirs.PartnerId;
        PartnershipSync Result(int added = 0, int removed = 0, int sealedCount = 0, long reblinded = 0, PsiStatus? status = null, string? note = null) =>
            new(counterpart, partnership.Theirs.PartnerName, partnership.Epoch, added, removed, sealedCount, reblinded, status, note);
        if (Skipped(partnership) is { } skipped) return Result(note: skipped); // its re-blinding did nothing either

        // My upload and the re-blinding of the counterpart's points are independent (a task covers the
        // counterpart's records, which my commits leave alone), so they run at once: whenever one
        // waits (the node's commit, a task's tags and the next task) the other computes. Both work on
        // all cores, so the CPU they take together stays the same. One's failure does not stop the
        // other (it is reported once both are over, the upload's first); cancellation stops both.
        var upload = Task.Run(() => Upload(partnership, ct), CancellationToken.None);
        await Task.WhenAll(upload, reblinding).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (upload.IsFaulted && reblinding.IsFaulted && reblinding.Exception?.InnerException is { } also)
            output.Line($"note: re-blinding for {partnership.Theirs.PartnerName} failed too: {also.Message}");
        var (added, removed, sealedCount, note) = await upload;
        var reblinded = await reblinding;
        var status = await client.GetPsiStatusAsync(counterpart, ct);
        return Result(added, removed, sealedCount, reblinded, status, note);
    }

    /// <summary>Uploads left in flight, then what changed in my list since the last complete exchange.</summary>
    private async Task<(int Added, int Removed, int Sealed, string? Note)> Upload(PartnershipView partnership, CancellationToken ct)
    {
        if (store.HoldsOtherEpochs(partnership.Id, partnership.Epoch))
            await writes.Write(s => s.ForgetOtherEpochs(partnership.Id, partnership.Epoch));
        // Uploads an earlier run started and did not finish count as this run's: it is the one that completed them.
        int added = 0, removed = 0, sealedCount = 0;
        foreach (var pending in store.PendingUploads(partnership.Id))
        {
            if (pending.Layout == UploadLayout.Plan)
                await SendPlanned(pending, store.PlannedKeys(pending), ct);
            else
                await Send(pending, ct);
            _ = pending.Kind switch
            {
                UploadKind.Add => added += pending.Count,
                UploadKind.Remove => removed += pending.Count,
                _ => sealedCount += pending.Count,
            };
        }

        if (!partnership.Theirs.Rules.Any(r => r.Level >= SharingLevel.Counts))
            return (added, removed, sealedCount, "nothing uploaded: the partner shares nothing with you yet");
        // Nothing to compare when neither my list nor my rules changed since the last complete exchange.
        var listVersion = imported?.Version ?? store.ListVersion();
        var rules = RulesSignature(partnership);
        if (!store.Exchanged(partnership.Id, partnership.Epoch, listVersion, rules))
        {
            var (newlyAdded, newlyRemoved, newlySealed, complete) = await Exchange(partnership, ct);
            (added, removed, sealedCount) = (added + newlyAdded, removed + newlyRemoved, sealedCount + newlySealed);
            // After the list's own write, as every write is: never a version that is not stored.
            if (complete) await writes.Write(s => s.MarkExchanged(partnership.Id, partnership.Epoch, listVersion, rules));
        }
        return (added, removed, sealedCount, null);
    }

    /// <summary>My rules that send records, in a canonical form.</summary>
    private static string RulesSignature(PartnershipView partnership)
    {
        var rules = new List<string>();
        foreach (var rule in partnership.Mine.Rules)
            if (rule.Level >= SharingLevel.Counts) rules.Add($"{rule.Population}={rule.Level}");
        rules.Sort(StringComparer.Ordinal);
        return string.Join(';', rules);
    }

    /// <summary>Sends what changed; Complete is false when something is left for a later sync (fields with no keys to seal them for yet).</summary>
    private async Task<(int Added, int Removed, int Sealed, bool Complete)> Exchange(PartnershipView partnership, CancellationToken ct)
    {
        var shared = new Dictionary<string, SharingLevel>(StringComparer.Ordinal);
        foreach (var rule in partnership.Mine.Rules)
            if (rule.Level >= SharingLevel.Counts) shared[rule.Population] = rule.Level;
        var list = Accounts();
        var sharedAccounts = new List<LocalAccount>(list.Count);
        foreach (var account in list)
            if (shared.ContainsKey(account.Population)) sharedAccounts.Add(account);
        var recordIds = ComputeRecordIds(partnership, sharedAccounts);
        var existing = store.RecordPopulations(partnership.Id, partnership.Epoch);
        // Record id → account, made only when something asks by record id (removes, fields): a first
        // exchange (no records yet) adds every account straight from the two lists, and a million
        // dictionary entries cost ~0.3 CPU-s before the first point is blinded.
        Dictionary<UInt128, LocalAccount>? desiredById = null;
        Dictionary<UInt128, LocalAccount> Desired()
        {
            if (desiredById is null)
            {
                desiredById = new Dictionary<UInt128, LocalAccount>(sharedAccounts.Count);
                for (var i = 0; i < recordIds.Length; i++) desiredById[recordIds[i]] = sharedAccounts[i];
            }
            return desiredById;
        }

        var removes = new Dictionary<string, List<UInt128>>(StringComparer.Ordinal);
        foreach (var (recordId, population) in existing)
            if (!Desired().ContainsKey(recordId))
                (removes.TryGetValue(population, out var ids) ? ids : removes[population] = []).Add(recordId);
        var removed = 0;
        foreach (var (population, ids) in removes)
        {
            // Sorted by record id: random values, so the order says nothing about my list.
            ids.Sort();
            var payload = new byte[ids.Count * PsiFormat.RecordIdSize];
            var members = new List<(UInt128, string)>(ids.Count);
            for (var i = 0; i < ids.Count; i++)
            {
                RecordIds.Write(ids[i], payload.AsSpan(i * PsiFormat.RecordIdSize, PsiFormat.RecordIdSize));
                members.Add((ids[i], ""));
            }
            await Start(partnership, population, UploadKind.Remove, ids.Count, payload, members);
            removed += ids.Count;
        }

        var adds = new Dictionary<string, (List<UInt128> Ids, List<MatchKey> Keys)>(StringComparer.Ordinal);
        for (var i = 0; i < recordIds.Length; i++)
        {
            if (existing.ContainsKey(recordIds[i])) continue;
            var account = sharedAccounts[i];
            if (!adds.TryGetValue(account.Population, out var planned))
                adds[account.Population] = planned = (new List<UInt128>(existing.Count == 0 ? recordIds.Length : 0), new List<MatchKey>(existing.Count == 0 ? recordIds.Length : 0));
            planned.Ids.Add(recordIds[i]);
            planned.Keys.Add(account.Key);
        }
        int added = 0, sealedCount = 0;
        foreach (var (population, planned) in adds)
        {
            await Add(partnership, population, [.. planned.Ids], [.. planned.Keys]);
            added += planned.Ids.Count;
        }

        // Fields go wherever they differ from what was last sealed for the record: new records,
        // changed values, and records whose fields could not be sealed before (no public keys yet,
        // or a population raised to level fields). Not only with added records.
        if (shared.ContainsValue(SharingLevel.Fields))
        {
            var sealedBefore = store.SealedFields(partnership.Id, partnership.Epoch);
            var due = new Dictionary<string, List<(UInt128 Id, LocalAccount Account, byte[] Json)>>(StringComparer.Ordinal);
            foreach (var (recordId, account) in Desired())
            {
                if (shared[account.Population] != SharingLevel.Fields) continue;
                var json = FieldsJson(account);
                if (sealedBefore.TryGetValue(recordId, out var digest) ? digest == Digest(json) : account.Fields.Count == 0) continue;
                (due.TryGetValue(account.Population, out var group) ? group : due[account.Population] = []).Add((recordId, account, json));
            }
            if (due.Count > 0)
            {
                if (await FieldSealerFor(partnership, ct) is not { } fieldSealer) return (added, removed, sealedCount, false);
                using (fieldSealer)
                    foreach (var (population, group) in due)
                        sealedCount += await SealFields(partnership, population, group, fieldSealer);
            }
        }
        return (added, removed, sealedCount, true);
    }

    /// <summary>
    /// The record id of each account, on all cores: a key (and so an HMAC context) per slice of the
    /// list, since one context serves one thread at a time.
    /// </summary>
    private UInt128[] ComputeRecordIds(PartnershipView partnership, List<LocalAccount> list)
    {
        var ids = new UInt128[list.Count];
        var slices = list.Count < 4_096 ? 1 : Environment.ProcessorCount;
        var keys = new RecordIdKey[slices];
        try
        {
            for (var i = 0; i < slices; i++) keys[i] = secret.DeriveRecordIdKey(partnership.Id, partnership.Epoch);
            Parallel.For(0, slices, slice =>
            {
                Span<byte> id = stackalloc byte[RecordIds.Size];
                for (int i = (int)((long)list.Count * slice / slices), end = (int)((long)list.Count * (slice + 1) / slices); i < end; i++)
                {
                    keys[slice].Compute(list[i].Population, list[i].Key, id);
                    ids[i] = RecordIds.Of(id);
                }
            });
        }
        finally
        {
            foreach (var key in keys) key?.Dispose();
        }
        return ids;
    }

    /// <summary>An account's shared fields as sealed: a JSON object, keys in ordinal order, so the same fields give the same bytes.</summary>
    private static byte[] FieldsJson(LocalAccount account) =>
        JsonSerializer.SerializeToUtf8Bytes(new SortedDictionary<string, string>(account.Fields.ToDictionary(), StringComparer.Ordinal), CliJsonContext.Default.SortedDictionaryStringString);

    private static string Digest(byte[] json) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(json));

    private async Task<FieldSealer?> FieldSealerFor(PartnershipView partnership, CancellationToken ct)
    {
        var entry = await client.GetDirectoryEntryAsync(partnership.Theirs.PartnerId, ct);
        if (entry.PublicKeys is not { } keys || !PublicKeyDocument.TryParse(keys.Version, keys.X25519, keys.Ed25519, out var document, out _))
        {
            output.Line($"warning: {partnership.Theirs.PartnerName} has published no public keys, so shared fields cannot be sealed for it yet; they go with a later sync.");
            return null;
        }
        return secret.CreateFieldSealer(document, partnership.Id, partnership.Epoch);
    }

    /// <summary>
    /// Seals each account's shared fields (JSON; an empty object when a record's fields were
    /// cleared) for the counterpart and uploads them; returns how many. The upload remembers the
    /// digest of each record's fields, recorded as sealed when it commits.
    /// </summary>
    private async Task<int> SealFields(PartnershipView partnership, string population, List<(UInt128 Id, LocalAccount Account, byte[] Json)> accounts, FieldSealer sealer)
    {
        using var payload = new MemoryStream();
        var digests = new List<(UInt128, string)>();
        var length = new byte[PsiFormat.LengthSize];
        foreach (var (recordId, account, json) in accounts)
        {
            var id = RecordIds.Bytes(recordId);
            var sealedFields = sealer.Seal(id, json);
            if (sealedFields.Length > PsiFormat.MaxSealedSize)
            {
                output.Line($"warning: the shared fields of {account.Source} are over {PsiFormat.MaxSealedSize - FieldSealer.Overhead:N0} bytes and were left out; share fewer or shorter columns.");
                continue;
            }
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)sealedFields.Length);
            payload.Write(id);
            payload.Write(length);
            payload.Write(sealedFields);
            digests.Add((recordId, Digest(json)));
        }
        if (digests.Count > 0) await Start(partnership, population, UploadKind.Fields, digests.Count, payload.ToArray(), digests);
        return digests.Count;
    }

    /// <summary>Records a remove or fields upload with its exact bytes, then sends it.</summary>
    private async Task Start(PartnershipView partnership, string population, UploadKind kind, int count, byte[] payload, IReadOnlyList<(UInt128, string)> records)
    {
        var pending = new PendingUpload(Guid.NewGuid(), partnership.Id, partnership.Theirs.PartnerId, partnership.Epoch, population, kind, count, payload);
        await writes.Write(s => s.BeginUpload(pending, records));
        await Send(pending, CancellationToken.None);
    }

    /// <summary>Sends an upload from the chunk the node expects next, then commits it and applies it locally.</summary>
    private async Task Send(PendingUpload upload, CancellationToken ct)
    {
        var view = await client.StartUploadAsync(upload.Counterpart, new StartUpload(upload.UploadId, upload.Population, upload.Kind, upload.Count), ct);
        if (!view.Committed)
        {
            var chunks = Chunks(upload);
            var progress = new Progress(output, $"Uploading {upload.Kind.ToString().ToLowerInvariant()} {upload.Population}", upload.Count);
            progress.Advance(view.ReceivedCount);
            for (var chunk = view.NextChunk; chunk < chunks.Count; chunk++)
            {
                await client.PutChunkAsync(upload.Counterpart, upload.UploadId, chunk, upload.Payload.AsMemory(chunks[chunk].Offset, chunks[chunk].Length), ct);
                progress.Advance(chunks[chunk].Records);
            }
            await client.CommitUploadAsync(upload.Counterpart, upload.UploadId, ct);
        }
        await writes.Write(s => s.CompleteUpload(upload));
    }

    /// <summary>Splits a payload into chunks of at most 65,536 records and 4 MiB, the same way every time.</summary>
    private static List<(int Offset, int Length, int Records)> Chunks(PendingUpload upload)
    {
        var chunks = new List<(int, int, int)>();
        int start = 0, offset = 0, records = 0;
        while (offset < upload.Payload.Length)
        {
            var size = upload.Kind == UploadKind.Fields
                ? PsiFormat.RecordIdSize + PsiFormat.LengthSize + BinaryPrimitives.ReadUInt16BigEndian(upload.Payload.AsSpan(offset + PsiFormat.RecordIdSize))
                : PsiFormat.RecordSize(upload.Kind);
            if (records == PsiFormat.MaxChunkRecords || offset + size - start > MaxChunkBytes)
            {
                chunks.Add((start, offset - start, records));
                start = offset;
                records = 0;
            }
            offset += size;
            records++;
        }
        if (records > 0) chunks.Add((start, offset - start, records));
        return chunks;
    }
}
