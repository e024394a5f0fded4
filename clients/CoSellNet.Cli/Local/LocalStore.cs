using CoSellNet.Cli.App;
using Microsoft.Data.Sqlite;

namespace CoSellNet.Cli.Local;

/// <summary>
/// The partner's local index, in SQLite in its profile directory (owner-only): the account list
/// as last imported, which record ids stand for which account in each partnership and epoch, and
/// uploads in flight, so that an interrupted sync resumes and never duplicates. It holds
/// plaintext accounts and never leaves this machine.
/// </summary>
internal sealed partial class LocalStore : IDisposable
{
    private readonly SqliteConnection connection;
    private readonly string path;

    private LocalStore(SqliteConnection connection, string path) => (this.connection, this.path) = (connection, path);

    public static LocalStore Open(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
            else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        if (!File.Exists(path) && !OperatingSystem.IsWindows())
            File.Create(path, 0, FileOptions.None).Dispose();
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        LocalStore? store = null;
        try
        {
            store = Connect(path);
            store.Execute(Schema);
            store.Migrate();
            return store;
        }
        catch (SqliteException e)
        {
            store?.Dispose();
            throw new CliException($"The local account index {path} could not be opened: {e.Message}", ExitCodes.Error);
        }
    }

    /// <summary>
    /// A second connection to this index, for writes made on another thread while this one goes on
    /// reading (WAL: readers never wait for the writer). SQLite allows one writer at a time, so a
    /// sync makes its writes on one connection, in order (<see cref="StoreWriter"/>).
    /// </summary>
    public LocalStore OpenAnother()
    {
        try
        {
            return Connect(path);
        }
        catch (SqliteException e)
        {
            throw new CliException($"The local account index {path} could not be opened: {e.Message}", ExitCodes.Error);
        }
    }

    private static LocalStore Connect(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            var store = new LocalStore(connection, path);
            store.Execute(Pragmas);
            return store;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    // Per connection (journal_mode and page_size are kept in the file, the others are not).
    // page_size takes effect only in a new file, before its first table (an existing index keeps its
    // own): 16 KiB rather than 4 holds four times the rows a page, so a bulk write in key order makes
    // a quarter of the page splits, page headers and WAL frames (1M accounts and an add's 1M records:
    // ~0.6 CPU-s less, three runs each; the overlaps' lookups cost the same).
    private const string Pragmas = """
        PRAGMA page_size = 16384;
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        PRAGMA cache_size = -32768; -- 32 MiB rather than 2: a list of 1,000,000 accounts stays cached while it is written
        PRAGMA temp_store = MEMORY;
        """;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS accounts (
            population TEXT NOT NULL,
            match_key  TEXT NOT NULL,            -- MatchKey.ToString(): d:acme.com or n:acme
            name       TEXT,
            website    TEXT,
            source     TEXT NOT NULL,            -- file and line the account was read from
            fields     TEXT,                     -- JSON object of the columns chosen to share
            PRIMARY KEY (population, match_key)
        ) WITHOUT ROWID;
        -- Records of mine that a node holds, or that are being sent: those in the plan of a pending add
        -- (uploads), written once when the add begins and left as they are when it commits.
        CREATE TABLE IF NOT EXISTS records (
            partnership TEXT NOT NULL,
            epoch       INTEGER NOT NULL,
            record_id   BLOB NOT NULL,
            population  TEXT NOT NULL,
            match_key   TEXT NOT NULL,
            PRIMARY KEY (partnership, epoch, record_id)
        ) WITHOUT ROWID;
        -- Uploads started and not yet committed, so a resumed run sends the same chunks. Layout
        -- 'payload': the exact bytes sent (removes, fields, and adds of stores before plans).
        -- Layout 'plan': an add's record ids in upload order; its chunks (chunk_records each) are
        -- blinded again on resume, which gives the same bytes because blinding is deterministic.
        CREATE TABLE IF NOT EXISTS uploads (
            upload_id     TEXT PRIMARY KEY,
            partnership   TEXT NOT NULL,
            counterpart   TEXT NOT NULL,
            epoch         INTEGER NOT NULL,
            population    TEXT NOT NULL,
            kind          TEXT NOT NULL,
            count         INTEGER NOT NULL,
            payload       BLOB NOT NULL,
            created       INTEGER NOT NULL,
            layout        TEXT NOT NULL DEFAULT 'payload',
            chunk_records INTEGER NOT NULL DEFAULT 0
        );
        -- Record ids an upload adds or removes (for fields: with the fields' digest as match_key), applied when it commits.
        CREATE TABLE IF NOT EXISTS upload_records (
            upload_id TEXT NOT NULL,
            record_id BLOB NOT NULL,
            match_key TEXT NOT NULL,
            PRIMARY KEY (upload_id, record_id)
        ) WITHOUT ROWID;
        -- The fields last sealed for a record of mine (SHA-256 of their JSON), so that changed fields are sealed again.
        CREATE TABLE IF NOT EXISTS sealed_fields (
            partnership TEXT NOT NULL,
            epoch       INTEGER NOT NULL,
            record_id   BLOB NOT NULL,
            digest      TEXT NOT NULL,
            PRIMARY KEY (partnership, epoch, record_id)
        ) WITHOUT ROWID;
        -- The account list's version: one more each time an import changes it.
        CREATE TABLE IF NOT EXISTS list_state (
            id      INTEGER PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL
        );
        -- The list version and my sharing rules a partnership's records were last brought up to date
        -- with, completely: while both are the same, a sync has nothing to compare or send.
        CREATE TABLE IF NOT EXISTS exchanged (
            partnership  TEXT NOT NULL,
            epoch        INTEGER NOT NULL,
            list_version INTEGER NOT NULL,
            rules        TEXT NOT NULL,
            PRIMARY KEY (partnership, epoch)
        ) WITHOUT ROWID;
        -- How many of the counterpart's points I re-blinded per partnership and epoch (the cap counts against it).
        CREATE TABLE IF NOT EXISTS reblinded (
            partnership TEXT NOT NULL,
            epoch       INTEGER NOT NULL,
            count       INTEGER NOT NULL,
            PRIMARY KEY (partnership, epoch)
        ) WITHOUT ROWID;
        """;

    /// <summary>
    /// Brings a store made by an earlier version up to this schema without losing anything: its
    /// pending uploads keep layout 'payload' and are sent from their stored bytes as before; its
    /// records lose the committed flag (a record is being sent while its add is pending, which the
    /// uploads say), whose whole-table update at each commit cost seconds at 1,000,000 records.
    /// </summary>
    private void Migrate()
    {
        if (!HasColumn("uploads", "layout"))
        {
            using var transaction = Begin();
            Execute("ALTER TABLE uploads ADD COLUMN layout TEXT NOT NULL DEFAULT 'payload'", transaction);
            Execute("ALTER TABLE uploads ADD COLUMN chunk_records INTEGER NOT NULL DEFAULT 0", transaction);
            transaction.Commit();
        }
        if (HasColumn("records", "committed"))
        {
            using var transaction = Begin();
            Execute("ALTER TABLE records DROP COLUMN committed", transaction);
            transaction.Commit();
        }
    }

    private bool HasColumn(string table, string column)
    {
        using var probe = Command("SELECT count(*) FROM pragma_table_info($t) WHERE name = $c");
        probe.Parameters.AddWithValue("$t", table);
        probe.Parameters.AddWithValue("$c", column);
        return (long)probe.ExecuteScalar()! > 0;
    }

    public SqliteTransaction Begin() => connection.BeginTransaction();

    public SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    /// <summary>A statement for a bulk write's rows, in the connection's current transaction (see <see cref="BulkStatement"/>).</summary>
    public BulkStatement Bulk(string sql) => new(connection, sql);

    public int Execute(string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, transaction);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command.ExecuteNonQuery();
    }

    public void Dispose() => connection.Dispose();
}
