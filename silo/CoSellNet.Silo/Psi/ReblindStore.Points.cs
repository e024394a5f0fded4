using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using CoSellNet.Protocol;
using Npgsql;

namespace CoSellNet.Silo.Psi;

/// <summary>A task's point read: one binary COPY of the range's rows, parsed as it streams in.</summary>
public sealed partial class ReblindStore
{
    /// <summary>
    /// <see cref="TaskPoints"/> as a COPY of one list's range. COPY takes no parameters: the list id
    /// and the seqs are integers this node read or issued, written as invariant literals.
    /// </summary>
    private static string TaskPointsCopy(int list, long fromSeq, long toSeq) => string.Create(CultureInfo.InvariantCulture, $"""
        COPY (SELECT seq, point, record_id, population FROM psi_points
               WHERE list_id = {list} AND seq BETWEEN {fromSeq} AND {toSeq}
               ORDER BY seq) TO STDOUT (FORMAT BINARY)
        """);

    /// <summary>
    /// Writes the range's points, seq ‖ point each, in sequence order, to <paramref name="output"/>;
    /// returns how many. The same read brings each record's id and population, held for the
    /// task's tags (<see cref="StoreTags"/>) once the whole range was read.
    /// </summary>
    public async Task<int> WritePoints(string partnership, int epoch, ReblindRange range, Stream output, CancellationToken ct = default)
    {
        // The list and its commit count first, then the points: a commit between the two statements
        // (each reads its own snapshot) shows in the count under the lock at StoreTags, never the
        // other way round, so held records are used only if no commit came after they were read.
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        int? list = null;
        long commits = 0;
        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            foreach (var setting in TaskSettings) batch.BatchCommands.Add(new NpgsqlBatchCommand(setting));
            batch.BatchCommands.Add(Sql.Command($"SELECT list_id, ({Commits}) FROM psi_lists WHERE partnership = $1 AND epoch = $2 AND owner = $3",
                partnership, epoch, range.Owner));
            await using var reader = await batch.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct)) (list, commits) = (reader.GetInt32(0), reader.GetInt64(1));
        }
        if (list is not { } id)
        {
            await tx.CommitAsync(ct);
            return 0;
        }
        // A COPY instead of a data reader: the rows arrive as one byte stream, parsed here with no
        // call per column and no string per row (the population's bytes are compared with the
        // previous row's); measured on the task GETs of a mapping run, see docs/decisions.md.
        // The held entries are rented too (2.75 MB for a full task, a large object each): StoreTags returns them.
        var rows = new TaskPointRows(range.Count, ArrayPool<byte>.Shared.Rent(range.Count * TagEntrySize));
        var held = false;
        var input = ArrayPool<byte>.Shared.Rent(64 << 10);
        var block = ArrayPool<byte>.Shared.Rent(TaskPointRows.BlockPoints * PsiFormat.TaskPointSize);
        try
        {
            await using (var copy = await connection.BeginRawBinaryCopyAsync(TaskPointsCopy(id, range.FromSeq, range.ToSeq), ct))
            {
                int start = 0, end = 0;
                while (true)
                {
                    start += rows.Parse(input.AsSpan(start, end - start), block);
                    if (rows.Filled == TaskPointRows.BlockPoints || rows.Done)
                    {
                        await output.WriteAsync(block.AsMemory(0, rows.Filled * PsiFormat.TaskPointSize), ct);
                        rows.Filled = 0;
                        if (rows.Done) break;
                        continue;
                    }
                    // A part of a row is left: keep it at the front, and make room for a row longer than the buffer.
                    input.AsSpan(start, end - start).CopyTo(input);
                    (end, start) = (end - start, 0);
                    if (end == input.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(input.Length * 2);
                        input.AsSpan(0, end).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(input);
                        input = larger;
                    }
                    var read = await copy.ReadAsync(input.AsMemory(end), ct);
                    if (read == 0) throw new InvalidDataException("The COPY of a task's points ended before its end marker.");
                    end += read;
                }
                if (start != end || await copy.ReadAsync(input, ct) != 0)
                    throw new InvalidDataException("The COPY of a task's points went on after its end marker.");
            }
            await tx.CommitAsync(ct);
            if (rows.Holdable) Hold(new HeldRecords(partnership, epoch, range, id, commits, rows.Entries, rows.Count, [.. rows.Populations]));
            held = rows.Holdable;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(block);
            if (!held) ArrayPool<byte>.Shared.Return(rows.Entries);
        }
        return rows.Count;
    }

    /// <summary>
    /// The parser of the point COPY's binary rows (PostgreSQL docs, "COPY", "Binary Format": a
    /// header, per row an int16 field count and per field an int32 length then the value, all
    /// big-endian; an int16 -1 ends the data): seq ‖ point into the output block, and the held
    /// entry of each row (seq ‖ 16 bytes for the tag ‖ record id ‖ population index).
    /// </summary>
    private sealed class TaskPointRows(int capacity, byte[] entries)
    {
        /// <summary>Points written to the response in one write.</summary>
        public const int BlockPoints = 1024;

        /// <summary>"PGCOPY\n\377\r\n\0", then the flags field and the header extension length.</summary>
        private static ReadOnlySpan<byte> Signature => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xff, (byte)'\r', (byte)'\n', 0];

        private bool _header;
        private byte[] _population = [];
        private int _index;

        public byte[] Entries { get; } = entries;
        public List<string> Populations { get; } = [];
        /// <summary>Whether every row so far could be held: at most the range's count, each record id 16 bytes.</summary>
        public bool Holdable { get; private set; } = true;
        public int Count { get; private set; }
        /// <summary>Points in the output block not yet written.</summary>
        public int Filled { get; set; }
        public bool Done { get; private set; }

        /// <summary>Parses whole rows from <paramref name="data"/> until the block is full, a row is cut short, or the data ends; returns the bytes used.</summary>
        public int Parse(ReadOnlySpan<byte> data, byte[] block)
        {
            var used = 0;
            if (!_header)
            {
                const int fixedHeader = 11 + sizeof(int) + sizeof(int);
                if (data.Length < fixedHeader) return 0;
                if (!data[..Signature.Length].SequenceEqual(Signature))
                    throw new InvalidDataException("The COPY of a task's points did not start with the binary COPY signature.");
                var extension = BinaryPrimitives.ReadInt32BigEndian(data[(fixedHeader - sizeof(int))..]);
                if (data.Length < fixedHeader + extension) return 0;
                used = fixedHeader + extension;
                _header = true;
            }
            while (Filled < BlockPoints)
            {
                var row = data[used..];
                if (row.Length < sizeof(short)) break;
                var fields = BinaryPrimitives.ReadInt16BigEndian(row);
                if (fields == -1)
                {
                    Done = true;
                    return used + sizeof(short);
                }
                if (fields != 4) throw new InvalidDataException($"A row of the COPY of a task's points has {fields} fields, not 4.");
                var at = sizeof(short);
                if (!Field(row, ref at, out var seqBytes) || !Field(row, ref at, out var point) ||
                    !Field(row, ref at, out var recordId) || !Field(row, ref at, out var population))
                    break;
                if (seqBytes.Length != sizeof(long) || point.Length != PsiFormat.PointSize)
                    throw new InvalidDataException($"A row of the COPY of a task's points has a seq of {seqBytes.Length} bytes or a point of {point.Length}.");
                var seq = BinaryPrimitives.ReadInt64BigEndian(seqBytes);
                var item = block.AsSpan(Filled * PsiFormat.TaskPointSize, PsiFormat.TaskPointSize);
                BinaryPrimitives.WriteInt64BigEndian(item, seq);
                point.CopyTo(item[PsiFormat.SeqSize..]);
                // Record ids are 16 bytes from the API; a range with another cannot be held (and StoreTags then refuses it when it reads it).
                Holdable = Holdable && Count < capacity && recordId.Length == PsiFormat.RecordIdSize;
                if (Holdable) Hold(seq, recordId, population);
                Count++;
                Filled++;
                used += at;
            }
            return used;
        }

        private void Hold(long seq, ReadOnlySpan<byte> recordId, ReadOnlySpan<byte> population)
        {
            var entry = Entries.AsSpan(Count * TagEntrySize, TagEntrySize);
            BinaryPrimitives.WriteInt64BigEndian(entry, seq);
            recordId.CopyTo(entry[PsiFormat.TaskTagSize..]);
            // Populations are few, in runs: decoded and looked up only when the bytes change.
            if (!population.SequenceEqual(_population))
            {
                _population = population.ToArray();
                var name = Encoding.UTF8.GetString(population);
                _index = Populations.IndexOf(name);
                if (_index < 0)
                {
                    _index = Populations.Count;
                    Populations.Add(name);
                }
            }
            BinaryPrimitives.WriteUInt16BigEndian(entry[(PsiFormat.TaskTagSize + PsiFormat.RecordIdSize)..], checked((ushort)_index));
        }

        /// <summary>The next field of a row at <paramref name="at"/> (a null as no bytes); false when the row is cut short here.</summary>
        private static bool Field(ReadOnlySpan<byte> row, ref int at, out ReadOnlySpan<byte> value)
        {
            value = default;
            if (row.Length - at < sizeof(int)) return false;
            var length = BinaryPrimitives.ReadInt32BigEndian(row[at..]);
            var from = at + sizeof(int);
            if (length < 0) length = 0;
            if (row.Length - from < length) return false;
            value = row.Slice(from, length);
            at = from + length;
            return true;
        }
    }
}
