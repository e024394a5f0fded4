using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using CoSellNet.Cli.Local;
using CoSellNet.Crypto;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Sync;

/// <summary>
/// Adds: the records go in record id order (so the order of the upload says nothing about my list
/// or my export that the ids do not), are planned locally once, and are blinded
/// chunk by chunk on all cores from the moment they are known: while the accounts and the plan are
/// written, and ahead of the chunks on their way, so that the writes, the node's and PostgreSQL's
/// work run under the crypto rather than before or after it.
/// </summary>
internal sealed partial class SyncEngine
{
    /// <summary>
    /// Records per chunk of an add (48 bytes each: 768 KiB, under the node's 4 MiB and 65,536). Small
    /// enough that little is left to send once the last chunk is blinded; kept with each plan, so a
    /// resumed upload is cut the same way whatever this constant becomes.
    /// </summary>
    private const int AddChunkRecords = 16_384;

    /// <summary>
    /// Blinded chunks kept ready ahead of the one being sent, at most: the first chunks are blinded
    /// while the accounts and the plan are written (the sends wait for the plan), so the blinding
    /// runs ahead by as much as those writes take; 64 MiB (85 chunks: a list of 1,400,000) bounds it.
    /// </summary>
    private const int MaxChunksAhead = (64 << 20) / (AddChunkRecords * 48);

    /// <summary>Adds the records with ids <paramref name="recordIds"/> and keys <paramref name="keys"/> (one each, in any order; both are reordered).</summary>
    private async Task Add(PartnershipView partnership, string population, UInt128[] recordIds, MatchKey[] keys)
    {
        InUploadOrder(recordIds, keys);
        var ids = new byte[recordIds.Length * RecordIds.Size];
        for (var i = 0; i < recordIds.Length; i++) RecordIds.Write(recordIds[i], ids.AsSpan(i * RecordIds.Size, RecordIds.Size));
        var upload = new PendingUpload(Guid.NewGuid(), partnership.Id, partnership.Theirs.PartnerId, partnership.Epoch, population, UploadKind.Add,
            recordIds.Length, ids, UploadLayout.Plan, AddChunkRecords);
        // Blinding starts now, on the pool's threads, while the writer stores the plan (after the
        // accounts, if this run imported them); nothing is sent before the plan is durable.
        await using var blinder = new ChunkBlinder(secret.DerivePsiKey(upload.Partnership, upload.Epoch), upload, keys, from: 0);
        var planned = writes.Write(s => s.BeginAdd(upload, keys));
        await SendPlanned(upload, blinder, planned, CancellationToken.None);
    }

    /// <summary>
    /// Puts an add's records in upload order: record id order. Record ids are keyed PRF outputs
    /// (per partnership and epoch) that the node sees with each point anyway, so this order is a
    /// function of what the node already holds, independent of the export's order and of the
    /// accounts, and a uniformly random order to anyone without the key. It makes each chunk's ids
    /// follow the previous chunk's, so the node's primary key only ever appends (measured with
    /// psi-store: ~25% less PostgreSQL CPU for the COPYs than ids spread over every chunk).
    /// </summary>
    internal static void InUploadOrder(UInt128[] ids, MatchKey[] keys) => RecordIdOrder.Sort(ids, keys);

    /// <summary>Resumes a planned add an earlier run left in flight, blinding its chunks again from its plan.</summary>
    private async Task SendPlanned(PendingUpload upload, MatchKey[] keys, CancellationToken ct)
    {
        await using var blinder = new ChunkBlinder(secret.DerivePsiKey(upload.Partnership, upload.Epoch), upload, keys, from: null);
        await SendPlanned(upload, blinder, Task.CompletedTask, ct);
    }

    /// <summary>
    /// Sends a planned add from the chunk the node expects next, once <paramref name="planned"/> (the
    /// plan's write) is done, taking each chunk from <paramref name="blinder"/> as it is blinded, then
    /// commits it and applies it locally.
    /// </summary>
    private async Task SendPlanned(PendingUpload upload, ChunkBlinder blinder, Task planned, CancellationToken ct)
    {
        await planned;
        var view = await client.StartUploadAsync(upload.Counterpart, new StartUpload(upload.UploadId, upload.Population, upload.Kind, upload.Count), ct);
        if (!view.Committed)
        {
            var progress = new Progress(output, $"Uploading add {upload.Population}", upload.Count);
            progress.Begin();
            progress.Advance(view.ReceivedCount);
            blinder.StartAt(view.NextChunk);
            for (var chunk = view.NextChunk; chunk < blinder.Chunks; chunk++)
            {
                var body = await blinder.Take(chunk, ct);
                await client.PutChunkAsync(upload.Counterpart, upload.UploadId, chunk, body.Bytes, ct);
                progress.Advance(body.Bytes.Length / PsiFormat.RecordSize(UploadKind.Add));
                body.Return(); // only once sent: a failed send may still hold it
            }
            await client.CommitUploadAsync(upload.Counterpart, upload.UploadId, ct);
        }
        await writes.Write(s => s.CompleteUpload(upload));
    }

    /// <summary>
    /// A blinded chunk's body in a buffer of the shared pool. The buffers are large-object-heap sized:
    /// allocated fresh (1.3 MB a chunk, 80 MB at 1M), each would count towards a full collection of a
    /// heap that holds the whole list, on the cores the blinding needs.
    /// </summary>
    private readonly record struct BlindedChunk(byte[] Buffer, int Length)
    {
        public ReadOnlyMemory<byte> Bytes => Buffer.AsMemory(0, Length);

        public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
    }

    /// <summary>
    /// Blinds a planned add's chunks in order, one after another on all cores, up to
    /// <see cref="MaxChunksAhead"/> ahead of the sends. Chunk k: record id ‖ a·H(key) for plan entries
    /// [k·n, (k+1)·n). Disposing stops it and waits for the chunk under way before the key is zeroed.
    /// </summary>
    private sealed class ChunkBlinder : IAsyncDisposable
    {
        private readonly PsiKey key;
        private readonly PendingUpload upload;
        private readonly MatchKey[] keys;
        private readonly Channel<(int Chunk, BlindedChunk Body)> ready =
            Channel.CreateBounded<(int, BlindedChunk)>(new BoundedChannelOptions(MaxChunksAhead) { SingleReader = true, SingleWriter = true });
        private readonly CancellationTokenSource stop = new();
        private Task? blinding;
        // One chunk's points at a time (chunks are blinded one after another), copied into its body.
        private byte[]? points;

        /// <param name="from">The chunk to start blinding at now, or null to wait for <see cref="StartAt"/>.</param>
        public ChunkBlinder(PsiKey key, PendingUpload upload, MatchKey[] keys, int? from)
        {
            (this.key, this.upload, this.keys) = (key, upload, keys);
            if (from is { } chunk) StartAt(chunk);
        }

        public int Chunks => (upload.Count + upload.ChunkRecords - 1) / upload.ChunkRecords;

        /// <summary>Starts blinding at <paramref name="chunk"/>, unless it was started already (then <see cref="Take"/> skips what comes before).</summary>
        public void StartAt(int chunk) => blinding ??= Task.Run(() => Blind(chunk, stop.Token));

        /// <summary>Chunk <paramref name="chunk"/>, once blinded; the chunks before it that are not taken are dropped.</summary>
        public async Task<BlindedChunk> Take(int chunk, CancellationToken ct)
        {
            while (true)
            {
                (int Chunk, BlindedChunk Body) item;
                try
                {
                    item = await ready.Reader.ReadAsync(ct);
                }
                catch (ChannelClosedException e) when (e.InnerException is { } failure)
                {
                    ExceptionDispatchInfo.Throw(failure); // the blinding's own error, not the channel's
                    throw;
                }
                var (next, body) = item;
                if (next == chunk) return body;
                body.Return();
                if (next > chunk) throw new InvalidOperationException($"Chunk {chunk} was asked for after chunk {next} had been blinded.");
            }
        }

        private async Task Blind(int from, CancellationToken ct)
        {
            try
            {
                for (var chunk = from; chunk < Chunks; chunk++)
                {
                    ct.ThrowIfCancellationRequested();
                    await ready.Writer.WriteAsync((chunk, Build(chunk)), ct);
                }
                ready.Writer.TryComplete();
            }
            catch (Exception e)
            {
                ready.Writer.TryComplete(e);
            }
        }

        private BlindedChunk Build(int chunk)
        {
            var from = chunk * upload.ChunkRecords;
            var count = Math.Min(upload.ChunkRecords, upload.Count - from);
            points ??= new byte[upload.ChunkRecords * PsiKey.PointSize];
            key.Blind(new ArraySegment<MatchKey>(keys, from, count), points.AsSpan(0, count * PsiKey.PointSize));
            var size = PsiFormat.RecordSize(UploadKind.Add);
            var body = new BlindedChunk(ArrayPool<byte>.Shared.Rent(count * size), count * size);
            for (var i = 0; i < count; i++)
            {
                upload.Payload.AsSpan((from + i) * RecordIds.Size, RecordIds.Size).CopyTo(body.Buffer.AsSpan(i * size, PsiFormat.RecordIdSize));
                points.AsSpan(i * PsiKey.PointSize, PsiKey.PointSize).CopyTo(body.Buffer.AsSpan(i * size + PsiFormat.RecordIdSize, PsiKey.PointSize));
            }
            return body;
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            // Blinding under way must end before its key is zeroed.
            if (blinding is not null) await blinding.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            stop.Dispose();
            key.Dispose();
        }
    }
}
