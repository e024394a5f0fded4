using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CoSellNet.Cli.Local;
using CoSellNet.Crypto;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Sync;

/// <summary>
/// Adds: the records go in a uniformly random order drawn with a CSPRNG (so the order of the
/// upload says nothing about my list or my export), are planned locally once, and are blinded
/// chunk by chunk on all cores while the previous chunk is on its way, so that the node's and
/// PostgreSQL's work runs under the crypto rather than after it.
/// </summary>
internal sealed partial class SyncEngine
{
    /// <summary>
    /// Records per chunk of an add (48 bytes each: 768 KiB, under the node's 4 MiB and 65,536). Small
    /// enough that little is left to send once the last chunk is blinded; kept with each plan, so a
    /// resumed upload is cut the same way whatever this constant becomes.
    /// </summary>
    private const int AddChunkRecords = 16_384;

    private async Task Add(PartnershipView partnership, string population, List<(UInt128 Id, MatchKey Key)> records)
    {
        RandomNumberGenerator.Shuffle(CollectionsMarshal.AsSpan(records));
        var ids = new byte[records.Count * RecordIds.Size];
        var keys = new MatchKey[records.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            RecordIds.Write(records[i].Id, ids.AsSpan(i * RecordIds.Size, RecordIds.Size));
            keys[i] = records[i].Key;
        }
        var upload = new PendingUpload(Guid.NewGuid(), partnership.Id, partnership.Theirs.PartnerId, partnership.Epoch, population, UploadKind.Add,
            records.Count, ids, UploadLayout.Plan, AddChunkRecords);
        using var blinder = new ChunkBlinder(secret.DerivePsiKey(upload.Partnership, upload.Epoch), upload, keys);
        // The first chunk is blinded while the plan is written and the upload declared.
        var first = blinder.Blind(0);
        try
        {
            store.BeginAdd(upload, keys);
        }
        catch
        {
            await ((Task)first).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        await SendPlanned(upload, blinder, first, CancellationToken.None);
    }

    /// <summary>Resumes a planned add an earlier run left in flight, blinding its chunks again from its plan.</summary>
    private async Task SendPlanned(PendingUpload upload, MatchKey[] keys, CancellationToken ct)
    {
        using var blinder = new ChunkBlinder(secret.DerivePsiKey(upload.Partnership, upload.Epoch), upload, keys);
        await SendPlanned(upload, blinder, first: null, ct);
    }

    /// <summary>
    /// Sends a planned add from the chunk the node expects next, blinding chunk k + 1 while chunk k is
    /// sent, then commits it and applies it locally. <paramref name="first"/> is chunk 0 if already under way.
    /// </summary>
    private async Task SendPlanned(PendingUpload upload, ChunkBlinder blinder, Task<byte[]>? first, CancellationToken ct)
    {
        Task<byte[]>? next = null;
        try
        {
            var view = await client.StartUploadAsync(upload.Counterpart, new StartUpload(upload.UploadId, upload.Population, upload.Kind, upload.Count), ct);
            if (!view.Committed)
            {
                var progress = new Progress(error, interactive, $"Uploading add {upload.Population}", upload.Count);
                progress.Begin();
                progress.Advance(view.ReceivedCount);
                if (view.NextChunk < blinder.Chunks)
                    next = view.NextChunk == 0 && first is not null ? first : blinder.Blind(view.NextChunk);
                for (var chunk = view.NextChunk; chunk < blinder.Chunks; chunk++)
                {
                    var body = await next!;
                    next = chunk + 1 < blinder.Chunks ? blinder.Blind(chunk + 1) : null;
                    await client.PutChunkAsync(upload.Counterpart, upload.UploadId, chunk, body, ct);
                    progress.Advance(body.Length / PsiFormat.RecordSize(UploadKind.Add));
                }
                await client.CommitUploadAsync(upload.Counterpart, upload.UploadId, ct);
            }
            store.CompleteUpload(upload);
        }
        finally
        {
            // Blinding under way when a send fails must end before its key is zeroed.
            if (next is not null) await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (first is not null) await ((Task)first).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Chunk k of a planned add: record id ‖ a·H(key) for plan entries [k·n, (k+1)·n), blinded on all cores.</summary>
    private sealed class ChunkBlinder(PsiKey key, PendingUpload upload, MatchKey[] keys) : IDisposable
    {
        private readonly int perChunk = upload.ChunkRecords;

        public int Chunks => (upload.Count + perChunk - 1) / perChunk;

        public Task<byte[]> Blind(int chunk) => Task.Run(() => Build(chunk));

        private byte[] Build(int chunk)
        {
            var from = chunk * perChunk;
            var count = Math.Min(perChunk, upload.Count - from);
            var points = new byte[count * PsiKey.PointSize];
            key.Blind(new ArraySegment<MatchKey>(keys, from, count), points);
            var size = PsiFormat.RecordSize(UploadKind.Add);
            var body = new byte[count * size];
            for (var i = 0; i < count; i++)
            {
                upload.Payload.AsSpan((from + i) * RecordIds.Size, RecordIds.Size).CopyTo(body.AsSpan(i * size, PsiFormat.RecordIdSize));
                points.AsSpan(i * PsiKey.PointSize, PsiKey.PointSize).CopyTo(body.AsSpan(i * size + PsiFormat.RecordIdSize, PsiKey.PointSize));
            }
            return body;
        }

        public void Dispose() => key.Dispose();
    }
}
