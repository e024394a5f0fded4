using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CoSellNet.Cli.Local;

/// <summary>What an overlap shows of one of my accounts: its match key (as stored, e.g. d:acme.com), name, website and source.</summary>
internal sealed record OverlapAccount(string MatchKey, string? Name, string? Website, string Source);

internal sealed partial class LocalStore
{
    /// <summary>
    /// The accounts behind a batch of my record ids in a partnership and epoch:
    /// <paramref name="recordIds"/> holds the ids back to back (16 bytes each), and the answer has
    /// one entry per id, in the same order, null where the record or its account is no longer in
    /// my list.
    /// </summary>
    public OverlapAccount?[] AccountsOf(string partnership, int epoch, ReadOnlyMemory<byte> recordIds)
    {
        if (recordIds.Length % RecordIds.Size != 0)
            throw new ArgumentException($"Record ids are {RecordIds.Size} bytes each; got {recordIds.Length} bytes.", nameof(recordIds));
        var found = new OverlapAccount?[recordIds.Length / RecordIds.Size];
        if (found.Length == 0) return found;
        using var lookup = Lookup(partnership, epoch);
        for (var i = 0; i < found.Length; i++)
        {
            if (lookup.TryRecord(recordIds.Span.Slice(i * RecordIds.Size, RecordIds.Size), out var record) && lookup.TryAccount(record, out var account))
                found[i] = new OverlapAccount(record.KindPrefix + record.Key, account.Name, account.Website, account.Source);
        }
        return found;
    }

    /// <summary>Looks up overlaps of one partnership and epoch: records by id, then their accounts (<see cref="OverlapLookup"/>).</summary>
    public OverlapLookup Lookup(string partnership, int epoch) => new(connection, partnership, epoch);
}

/// <summary>My record's population and match key: the key as shown (acme.com) and its kind prefix as stored (d:), split.</summary>
internal readonly record struct RecordKey(string Population, string KindPrefix, string Key);

/// <summary>An account's fields that an overlap shows besides its key.</summary>
internal readonly record struct AccountFields(string? Name, string? Website, string Source);

/// <summary>
/// Resolving overlaps to my accounts, one point lookup at a time through SQLite's own bind, step and
/// reset (as <see cref="BulkStatement"/> does for writes), inside one read transaction.
/// </summary>
/// <remarks>
/// Why this shape (200,000 overlaps of 1,000,000 accounts, measured on the 1M benchmark's store):
/// <list type="bullet">
/// <item>Microsoft.Data.Sqlite cost ~1.35 µs a row just to hand over four text columns (a reader, a
/// safe handle and a string per call): ~0.27 of ~1.07 CPU-s; spans from SQLite cost almost nothing.</item>
/// <item>Records are looked up as the node's pages come, in record id order (the records' key order);
/// accounts after all pages, in the order the overlaps are shown (by key), which is their key order
/// within a population: the B-tree pages of one lookup are the next one's, not a miss in a
/// 300 MB file each time (accounts: ~0.52 CPU-s in record order, ~0.30 in key order).</item>
/// <item>One transaction for all lookups: in autocommit each statement begins and ends its own
/// read transaction, which costs more than the lookup itself (1.4 vs 0.8 CPU-s).</item>
/// <item>The file is read through a memory map: at 1M accounts it is far larger than SQLite's page
/// cache, and a mapped page costs no read call and no copy.</item>
/// </list>
/// </remarks>
internal sealed class OverlapLookup : IDisposable
{
    private readonly sqlite3 db;
    private readonly SqliteTransaction transaction;
    private readonly sqlite3_stmt records;
    private readonly sqlite3_stmt accounts;
    // Populations and kind prefixes repeat on every record: one string each, found by their bytes
    // (arrays, not a list of tuples: a ReadyToRun build leaves a list of structs to the JIT).
    private byte[][] nameBytes = [];
    private string[] nameTexts = [];

    internal OverlapLookup(SqliteConnection connection, string partnership, int epoch)
    {
        db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        using (var map = connection.CreateCommand())
        {
            map.CommandText = "PRAGMA mmap_size = 1073741824";
            map.ExecuteNonQuery();
        }
        transaction = connection.BeginTransaction(deferred: true);
        try
        {
            records = Prepare("SELECT population, match_key FROM records WHERE partnership = ?1 AND epoch = ?2 AND record_id = ?3");
            accounts = Prepare("SELECT name, website, source FROM accounts WHERE population = ?1 AND match_key = ?2");
            Check(raw.sqlite3_bind_text(records, 1, partnership));
            Check(raw.sqlite3_bind_int64(records, 2, epoch));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>My record with this id; false when it is no longer in my list.</summary>
    public bool TryRecord(ReadOnlySpan<byte> recordId, out RecordKey record)
    {
        Check(raw.sqlite3_bind_blob(records, 3, recordId));
        try
        {
            if (!Step(records))
            {
                record = default;
                return false;
            }
            var population = Name(raw.sqlite3_column_blob(records, 0));
            var stored = raw.sqlite3_column_blob(records, 1);
            // d:acme.com is shown as acme.com (MatchKey.Value): the prefix is one of a few shared strings.
            var split = stored.Length > 2 && stored[1] == (byte)':' ? 2 : 0;
            record = new RecordKey(population, split == 0 ? "" : Name(stored[..2]), Encoding.UTF8.GetString(stored[split..]));
            return true;
        }
        finally
        {
            raw.sqlite3_reset(records);
        }
    }

    /// <summary>The account of a record's population and key; false when it is no longer in my list.</summary>
    public bool TryAccount(in RecordKey record, out AccountFields account)
    {
        var (population, kindPrefix, key) = record;
        Check(population.Length == 0 ? raw.sqlite3_bind_text(accounts, 1, "") : raw.sqlite3_bind_text16(accounts, 1, population));
        // The stored key (d:acme.com) without making that string.
        var length = kindPrefix.Length + key.Length;
        Span<char> stored = length <= 512 ? stackalloc char[length] : new char[length];
        kindPrefix.CopyTo(stored);
        key.CopyTo(stored[kindPrefix.Length..]);
        Check(stored.IsEmpty ? raw.sqlite3_bind_text(accounts, 2, "") : raw.sqlite3_bind_text16(accounts, 2, stored));
        try
        {
            if (!Step(accounts))
            {
                account = default;
                return false;
            }
            account = new AccountFields(TextOrNull(accounts, 0), TextOrNull(accounts, 1), Encoding.UTF8.GetString(raw.sqlite3_column_blob(accounts, 2)));
            return true;
        }
        finally
        {
            raw.sqlite3_reset(accounts);
        }
    }

    public void Dispose()
    {
        records?.Dispose();
        accounts?.Dispose();
        // Only read: ending the transaction either way is the same.
        transaction.Dispose();
    }

    private static string? TextOrNull(sqlite3_stmt statement, int column) =>
        raw.sqlite3_column_type(statement, column) == raw.SQLITE_NULL ? null : Encoding.UTF8.GetString(raw.sqlite3_column_blob(statement, column));

    private string Name(ReadOnlySpan<byte> utf8)
    {
        for (var i = 0; i < nameBytes.Length; i++)
            if (utf8.SequenceEqual(nameBytes[i])) return nameTexts[i];
        var name = Encoding.UTF8.GetString(utf8);
        nameBytes = [.. nameBytes, utf8.ToArray()];
        nameTexts = [.. nameTexts, name];
        return name;
    }

    private sqlite3_stmt Prepare(string sql)
    {
        var rc = raw.sqlite3_prepare_v2(db, sql, out var prepared);
        if (rc != raw.SQLITE_OK)
        {
            prepared?.Dispose();
            SqliteException.ThrowExceptionForRC(rc, db);
        }
        return prepared!;
    }

    /// <summary>True for a row, false when there is none; an error throws with the connection's message.</summary>
    private bool Step(sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        if (rc == raw.SQLITE_ROW) return true;
        if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, db);
        return false;
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, db);
    }
}
