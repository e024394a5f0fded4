using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using CoSellNet.Cli.App;
using CoSellNet.Crypto;
using CoSellNet.Protocol;
using Microsoft.Data.Sqlite;

namespace CoSellNet.Cli.Local;

/// <summary>How a pending upload is kept: its exact bytes, or (adds) the plan its chunks are blinded from again.</summary>
internal enum UploadLayout { Payload, Plan }

/// <summary>
/// An upload started and not yet committed. <see cref="Payload"/> holds the exact bytes to send
/// (layout <see cref="UploadLayout.Payload"/>) or, for a planned add, its record ids in upload order,
/// 16 bytes each, sent in chunks of <see cref="ChunkRecords"/>.
/// </summary>
internal sealed record PendingUpload(Guid UploadId, string Partnership, string Counterpart, int Epoch, string Population, UploadKind Kind, int Count, byte[] Payload,
    UploadLayout Layout = UploadLayout.Payload, int ChunkRecords = 0);

/// <summary>A record of mine a node holds (or is being sent) in a partnership and epoch.</summary>
internal sealed record LocalRecord(byte[] RecordId, string Population, string MatchKey);

internal sealed partial class LocalStore
{
    /// <summary>Whether anything of another epoch of a partnership is kept (read only, so a sync can ask while its writes go on elsewhere).</summary>
    public bool HoldsOtherEpochs(string partnership, int epoch)
    {
        using var command = Command("""
            SELECT EXISTS (SELECT 1 FROM uploads WHERE partnership = $p AND epoch <> $e)
                OR EXISTS (SELECT 1 FROM records WHERE partnership = $p AND epoch <> $e)
                OR EXISTS (SELECT 1 FROM reblinded WHERE partnership = $p AND epoch <> $e)
                OR EXISTS (SELECT 1 FROM sealed_fields WHERE partnership = $p AND epoch <> $e)
                OR EXISTS (SELECT 1 FROM exchanged WHERE partnership = $p AND epoch <> $e)
            """);
        command.Parameters.AddWithValue("$p", partnership);
        command.Parameters.AddWithValue("$e", epoch);
        return (long)command.ExecuteScalar()! != 0;
    }

    /// <summary>Forgets records and uploads of other epochs of a partnership: a new epoch starts from nothing.</summary>
    public void ForgetOtherEpochs(string partnership, int epoch)
    {
        using var transaction = Begin();
        Execute("DELETE FROM upload_records WHERE upload_id IN (SELECT upload_id FROM uploads WHERE partnership = $p AND epoch <> $e)", transaction, ("$p", partnership), ("$e", epoch));
        Execute("DELETE FROM uploads WHERE partnership = $p AND epoch <> $e", transaction, ("$p", partnership), ("$e", epoch));
        Execute("DELETE FROM records WHERE partnership = $p AND epoch <> $e", transaction, ("$p", partnership), ("$e", epoch));
        Execute("DELETE FROM reblinded WHERE partnership = $p AND epoch <> $e", transaction, ("$p", partnership), ("$e", epoch));
        Execute("DELETE FROM sealed_fields WHERE partnership = $p AND epoch <> $e", transaction, ("$p", partnership), ("$e", epoch));
        Execute("DELETE FROM exchanged WHERE partnership = $p AND epoch <> $e", transaction, ("$p", partnership), ("$e", epoch));
        transaction.Commit();
    }

    /// <summary>
    /// My records in a partnership and epoch, committed or being added: record id (big-endian, see
    /// <see cref="RecordIds.Of"/>) → population (one string instance per population).
    /// </summary>
    public Dictionary<UInt128, string> RecordPopulations(string partnership, int epoch)
    {
        var populations = new List<string>();
        using (var distinct = Command("SELECT DISTINCT population FROM records WHERE partnership = $p AND epoch = $e"))
        {
            distinct.Parameters.AddWithValue("$p", partnership);
            distinct.Parameters.AddWithValue("$e", epoch);
            using var reader = distinct.ExecuteReader();
            while (reader.Read()) populations.Add(reader.GetString(0));
        }
        var records = new Dictionary<UInt128, string>();
        using var command = Command("SELECT record_id FROM records WHERE partnership = $p AND epoch = $e AND population = $pop");
        command.Parameters.AddWithValue("$p", partnership);
        command.Parameters.AddWithValue("$e", epoch);
        var population = command.Parameters.Add("$pop", SqliteType.Text);
        var id = new byte[RecordIds.Size];
        foreach (var name in populations)
        {
            population.Value = name;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                reader.GetBytes(0, 0, id, 0, RecordIds.Size);
                records[RecordIds.Of(id)] = name;
            }
        }
        return records;
    }

    /// <summary>The record behind a record id, in any epoch of the partnership it was made for.</summary>
    public LocalRecord? Record(string partnership, int epoch, byte[] recordId)
    {
        using var command = Command("SELECT population, match_key FROM records WHERE partnership = $p AND epoch = $e AND record_id = $r");
        command.Parameters.AddWithValue("$p", partnership);
        command.Parameters.AddWithValue("$e", epoch);
        command.Parameters.AddWithValue("$r", recordId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new LocalRecord(recordId, reader.GetString(0), reader.GetString(1)) : null;
    }

    /// <summary>Digests of the fields last sealed for each of my records (record id → digest).</summary>
    public Dictionary<UInt128, string> SealedFields(string partnership, int epoch)
    {
        using var command = Command("SELECT record_id, digest FROM sealed_fields WHERE partnership = $p AND epoch = $e");
        command.Parameters.AddWithValue("$p", partnership);
        command.Parameters.AddWithValue("$e", epoch);
        using var reader = command.ExecuteReader();
        var digests = new Dictionary<UInt128, string>();
        var id = new byte[RecordIds.Size];
        while (reader.Read())
        {
            reader.GetBytes(0, 0, id, 0, RecordIds.Size);
            digests[RecordIds.Of(id)] = reader.GetString(1);
        }
        return digests;
    }

    /// <summary>
    /// Records a remove or fields upload before its first byte is sent, with its exact bytes and the
    /// record ids it removes (or, for fields, the digest of each record's fields), in one transaction.
    /// </summary>
    public void BeginUpload(PendingUpload upload, IReadOnlyList<(UInt128 RecordId, string Detail)> records)
    {
        using var transaction = Begin();
        InsertUpload(upload, transaction);
        using var member = Bulk("INSERT INTO upload_records (upload_id, record_id, match_key) VALUES (?1, ?2, ?3)");
        member.Text(1, upload.UploadId.ToString());
        Span<byte> id = stackalloc byte[RecordIds.Size];
        foreach (var (recordId, detail) in records)
        {
            RecordIds.Write(recordId, id);
            member.Blob(2, id);
            member.Text(3, detail);
            member.Run();
        }
        transaction.Commit();
    }

    /// <summary>
    /// Records a planned add before its first byte is sent: the plan (record ids in upload order) and
    /// each record, written once. From now on its records count as present, so no later run adds them
    /// twice; a resumed run blinds its chunks again from these rows. Committing the add changes none
    /// of them: a record is being sent for as long as an add whose plan holds it is pending.
    /// </summary>
    // Per record: compiled optimized at its first call (see AccountImport.KeysOf).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void BeginAdd(PendingUpload upload, ReadOnlySpan<MatchKey> keys)
    {
        using var transaction = Begin();
        InsertUpload(upload, transaction);
        // Several rows a statement, as the accounts are written (see WriteAccounts): one cursor that
        // finds each next row's place from the last one's, and a statement's start, step and reset
        // per 64 rows rather than per row. The rest of the plan, one row at a time.
        using var wide = Bulk(RecordsInsertSql(RecordsPerInsert));
        using var single = Bulk(RecordsInsertSql(1));
        foreach (var (statement, rows) in new[] { (wide, RecordsPerInsert), (single, 1) })
            for (var row = 0; row < rows; row++)
            {
                // Bound once: a binding stays until it is bound again.
                statement.Text(row * RecordColumns + 1, upload.Partnership);
                statement.Int64(row * RecordColumns + 2, upload.Epoch);
                statement.Text(row * RecordColumns + 4, upload.Population);
            }
        // Inserted in record id order, the table's key order: appends to the B-tree instead of
        // splitting pages all over it, several times cheaper than the plan's random order. A plan is
        // made in record id order (its upload order): then its own order is the one, with no index made.
        var order = PlanInIdOrder(upload.Payload) ? null : SortedByRecordId(upload.Payload, keys.Length);
        var ids = upload.Payload.AsSpan();
        var at = 0;
        for (; at + RecordsPerInsert <= keys.Length; at += RecordsPerInsert)
        {
            touched += TouchKeys(keys, order, at, RecordsPerInsert);
            for (var row = 0; row < RecordsPerInsert; row++)
            {
                var index = order is null ? at + row : order[at + row];
                wide.RowBlob(row * RecordColumns + 3, ids.Slice(index * RecordIds.Size, RecordIds.Size));
                wide.Key(row * RecordColumns + 5, keys[index]);
            }
            wide.Run();
        }
        for (; at < keys.Length; at++)
        {
            var index = order is null ? at : order[at];
            single.RowBlob(3, ids.Slice(index * RecordIds.Size, RecordIds.Size));
            single.Key(5, keys[index]);
            single.Run();
        }
        transaction.Commit();
    }

    /// <summary>
    /// Reads the match keys of the next <paramref name="count"/> records ahead of their writing, as
    /// <see cref="Touch"/> does for accounts: in record id order the keys' strings are all over the
    /// heap, and this tight loop has many of their cache misses under way at once rather than one
    /// after another in the binding (1,000,000 records: ~0.2 CPU-s less, in a test process).
    /// </summary>
    // Per record: compiled optimized at its first call (see AccountImport.KeysOf).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int TouchKeys(ReadOnlySpan<MatchKey> keys, int[]? order, int at, int count)
    {
        var sum = 0;
        for (var row = at; row < at + count; row++) sum += Ends(keys[order is null ? row : order[row]].Value);
        return sum;
    }

    /// <summary>Rows an insert of an add's records writes at a time.</summary>
    private const int RecordsPerInsert = 64;

    /// <summary>The records table's columns, as bound for a row (partnership, epoch, record_id, population, match_key).</summary>
    private const int RecordColumns = 5;

    /// <summary>Inserts <paramref name="rows"/> records, parameters ?1 to ?5 the first's, ?6 to ?10 the second's, and so on; a record already there is left as it is.</summary>
    private static string RecordsInsertSql(int rows)
    {
        var sql = new StringBuilder("INSERT OR IGNORE INTO records (partnership, epoch, record_id, population, match_key) VALUES ");
        for (var row = 0; row < rows; row++)
        {
            var p = row * RecordColumns;
            sql.Append(row == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"(?{p + 1}, ?{p + 2}, ?{p + 3}, ?{p + 4}, ?{p + 5})");
        }
        return sql.ToString();
    }

    /// <summary>Whether a plan's record ids (16 bytes each) are in ascending order, as a plan is made.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool PlanInIdOrder(ReadOnlySpan<byte> ids)
    {
        for (var at = RecordIds.Size; at + RecordIds.Size <= ids.Length; at += RecordIds.Size)
            if (RecordIds.Of(ids.Slice(at - RecordIds.Size, RecordIds.Size)) > RecordIds.Of(ids.Slice(at, RecordIds.Size))) return false;
        return true;
    }

    /// <summary>The plan's indexes in record id order.</summary>
    private static int[] SortedByRecordId(byte[] ids, int count)
    {
        var order = new (UInt128 Id, int Index)[count];
        for (var i = 0; i < count; i++) order[i] = (RecordIds.Of(ids.AsSpan(i * RecordIds.Size, RecordIds.Size)), i);
        Array.Sort(order);
        var indexes = new int[count];
        for (var i = 0; i < count; i++) indexes[i] = order[i].Index;
        return indexes;
    }

    /// <summary>The match keys of a planned add, in its plan's order, from the records it wrote when it began.</summary>
    public MatchKey[] PlannedKeys(PendingUpload upload)
    {
        // One scan of the population's records (the plan's and those committed before), keeping the
        // plan's: cheaper than a lookup per planned record, and resuming is rare.
        var planned = new HashSet<UInt128>(upload.Count);
        for (var i = 0; i < upload.Count; i++) planned.Add(RecordIds.Of(upload.Payload.AsSpan(i * RecordIds.Size, RecordIds.Size)));
        using var command = Command("SELECT record_id, match_key FROM records WHERE partnership = $p AND epoch = $e AND population = $pop");
        command.Parameters.AddWithValue("$p", upload.Partnership);
        command.Parameters.AddWithValue("$e", upload.Epoch);
        command.Parameters.AddWithValue("$pop", upload.Population);
        var byId = new Dictionary<UInt128, string>(upload.Count);
        var id = new byte[RecordIds.Size];
        using (var reader = command.ExecuteReader())
            while (reader.Read())
            {
                reader.GetBytes(0, 0, id, 0, RecordIds.Size);
                var recordId = RecordIds.Of(id);
                if (planned.Contains(recordId)) byId[recordId] = reader.GetString(1);
            }
        var keys = new MatchKey[upload.Count];
        for (var i = 0; i < keys.Length; i++)
            keys[i] = byId.TryGetValue(RecordIds.Of(upload.Payload.AsSpan(i * RecordIds.Size, RecordIds.Size)), out var key)
                ? MatchKey.Parse(key)
                : throw new CliException($"The local account index lost record {i} of upload {upload.UploadId} while it was being sent; it cannot be resumed. Start a new epoch for this partnership.", ExitCodes.Error);
        return keys;
    }

    private void InsertUpload(PendingUpload upload, SqliteTransaction transaction) =>
        Execute("INSERT INTO uploads (upload_id, partnership, counterpart, epoch, population, kind, count, payload, created, layout, chunk_records) VALUES ($u, $p, $c, $e, $pop, $k, $n, $b, $t, $l, $cr)",
            transaction, ("$u", upload.UploadId.ToString()), ("$p", upload.Partnership), ("$c", upload.Counterpart), ("$e", upload.Epoch),
            ("$pop", upload.Population), ("$k", upload.Kind.ToString()), ("$n", upload.Count), ("$b", upload.Payload), ("$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
            ("$l", upload.Layout == UploadLayout.Plan ? "plan" : "payload"), ("$cr", upload.ChunkRecords));

    /// <summary>
    /// Applies a committed upload: its removes go (with what was sealed for them), its fields count as
    /// sealed; an add's records are in place since it began, and its pending upload is all that goes.
    /// </summary>
    public void CompleteUpload(PendingUpload upload)
    {
        using var transaction = Begin();
        var id = ("$u", (object?)upload.UploadId.ToString());
        if (upload.Kind == UploadKind.Remove)
        {
            Execute("DELETE FROM records WHERE partnership = $p AND epoch = $e AND record_id IN (SELECT record_id FROM upload_records WHERE upload_id = $u)",
                transaction, ("$p", upload.Partnership), ("$e", upload.Epoch), id);
            // The node deletes a removed record's fields too.
            Execute("DELETE FROM sealed_fields WHERE partnership = $p AND epoch = $e AND record_id IN (SELECT record_id FROM upload_records WHERE upload_id = $u)",
                transaction, ("$p", upload.Partnership), ("$e", upload.Epoch), id);
        }
        else if (upload.Kind == UploadKind.Fields)
            Execute("INSERT OR REPLACE INTO sealed_fields (partnership, epoch, record_id, digest) SELECT $p, $e, record_id, match_key FROM upload_records WHERE upload_id = $u",
                transaction, ("$p", upload.Partnership), ("$e", upload.Epoch), id);
        Execute("DELETE FROM upload_records WHERE upload_id = $u", transaction, id);
        Execute("DELETE FROM uploads WHERE upload_id = $u", transaction, id);
        transaction.Commit();
    }

    /// <summary>Uploads of a partnership not yet committed, oldest first.</summary>
    public List<PendingUpload> PendingUploads(string partnership)
    {
        using var command = Command("SELECT upload_id, counterpart, epoch, population, kind, count, payload, layout, chunk_records FROM uploads WHERE partnership = $p ORDER BY created, upload_id");
        command.Parameters.AddWithValue("$p", partnership);
        using var reader = command.ExecuteReader();
        var list = new List<PendingUpload>();
        while (reader.Read())
            list.Add(new PendingUpload(Guid.Parse(reader.GetString(0)), partnership, reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                Enum.Parse<UploadKind>(reader.GetString(4)), reader.GetInt32(5), (byte[])reader[6],
                reader.GetString(7) == "plan" ? UploadLayout.Plan : UploadLayout.Payload, reader.GetInt32(8)));
        return list;
    }

    public long Reblinded(string partnership, int epoch)
    {
        using var command = Command("SELECT count FROM reblinded WHERE partnership = $p AND epoch = $e");
        command.Parameters.AddWithValue("$p", partnership);
        command.Parameters.AddWithValue("$e", epoch);
        return command.ExecuteScalar() is long n ? n : 0;
    }

    public void AddReblinded(string partnership, int epoch, long count) =>
        Execute("INSERT INTO reblinded (partnership, epoch, count) VALUES ($p, $e, $n) ON CONFLICT (partnership, epoch) DO UPDATE SET count = count + $n",
            null, ("$p", partnership), ("$e", epoch), ("$n", count));
}
