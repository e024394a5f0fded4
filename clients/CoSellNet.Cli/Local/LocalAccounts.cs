using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using CoSellNet.Crypto;
using Microsoft.Data.Sqlite;
using System.Runtime.CompilerServices;

namespace CoSellNet.Cli.Local;

/// <summary>One account of my list as the local index keeps it.</summary>
/// <remarks>
/// An imported account keeps its source as the file name (one string for the whole file) and the
/// line, and makes the "file:line" text only when asked: a million accounts would otherwise hold a
/// million such strings, made, kept and collected for the few that are ever shown.
/// </remarks>
internal sealed class LocalAccount
{
    /// <summary>The whole source text (<see cref="sourceLine"/> &lt; 0), or the file name of "file:line".</summary>
    private readonly string sourceText;
    private readonly long sourceLine;

    public LocalAccount(string population, MatchKey key, string? name, string? website, string source, IReadOnlyDictionary<string, string> fields)
        : this(population, key, name, website, source, -1, fields)
    {
    }

    /// <summary>An account read from line <paramref name="line"/> of the file <paramref name="file"/>: its <see cref="Source"/> is "file:line".</summary>
    public LocalAccount(string population, MatchKey key, string? name, string? website, string file, long line, IReadOnlyDictionary<string, string> fields)
    {
        Population = population;
        Key = key;
        Name = name;
        Website = website;
        sourceText = file;
        sourceLine = line;
        Fields = fields;
    }

    public string Population { get; }

    public MatchKey Key { get; }

    public string? Name { get; }

    public string? Website { get; }

    /// <summary>Where the account was read from, as users see it: "file:line", e.g. <c>crm.csv:2</c>.</summary>
    public string Source => sourceLine < 0 ? sourceText : string.Create(CultureInfo.InvariantCulture, $"{sourceText}:{sourceLine}");

    /// <summary>The columns chosen to share (header → value).</summary>
    public IReadOnlyDictionary<string, string> Fields { get; }

    /// <summary>Longest <see cref="Source"/> that <see cref="SourceIs"/> compares without making it.</summary>
    private const int ShortSource = 512;

    /// <summary>Writes <see cref="Source"/> into <paramref name="buffer"/> when it fits, without making the string.</summary>
    /// <returns>False when it is longer than the buffer.</returns>
    private bool TryWriteSource(Span<char> buffer, out int written)
    {
        if (sourceLine < 0)
        {
            written = sourceText.Length;
            return sourceText.TryCopyTo(buffer);
        }
        return buffer.TryWrite(CultureInfo.InvariantCulture, $"{sourceText}:{sourceLine}", out written);
    }

    /// <summary>Writes <see cref="Source"/> in UTF-8 into <paramref name="buffer"/> when it fits, without making the string.</summary>
    /// <returns>False when it is longer than the buffer.</returns>
    internal bool TryWriteSource(Span<byte> buffer, out int written) =>
        sourceLine < 0
            ? Utf8.TryWrite(buffer, CultureInfo.InvariantCulture, $"{sourceText}", out written)
            : Utf8.TryWrite(buffer, CultureInfo.InvariantCulture, $"{sourceText}:{sourceLine}", out written);

    /// <summary>Whether <see cref="Source"/> is <paramref name="text"/>, without making the string.</summary>
    internal bool SourceIs(string text)
    {
        if (sourceLine < 0) return sourceText == text;
        Span<char> buffer = stackalloc char[ShortSource];
        return TryWriteSource(buffer, out var written) ? buffer[..written].SequenceEqual(text) : Source == text;
    }
}

/// <summary>An account to write: the account and its fields as stored (JSON, or null when it has none).</summary>
internal readonly record struct AccountUpsert(LocalAccount Account, string? Fields);

/// <summary>What an import changes in my list: rows to write, rows to delete, and the list version once they are stored.</summary>
/// <param name="Upserts">Accounts to write.</param>
/// <param name="Deletes">Accounts to delete.</param>
/// <param name="Version">The list version once they are stored.</param>
/// <param name="Empty">Whether the list was empty when compared (a first import): its rows are then inserted, not upserted.</param>
internal sealed record AccountChanges(List<AccountUpsert> Upserts, List<(string Population, string Key)> Deletes, long Version, bool Empty = false)
{
    public bool Changed => Upserts.Count > 0 || Deletes.Count > 0;
}

internal sealed partial class LocalStore
{
    /// <summary>
    /// Replaces my account list with <paramref name="accounts"/> (one per population and key),
    /// writing only what changed: a re-import of the same export writes nothing.
    /// </summary>
    public void ReplaceAccounts(IReadOnlyList<LocalAccount> accounts) => WriteAccounts(CompareAccounts(accounts));

    /// <summary>
    /// What replacing my list with <paramref name="accounts"/> changes, and the list version it makes.
    /// Only reads: the writing (<see cref="WriteAccounts"/>) can go on another connection while a
    /// sync goes on with the list, and the version is known before it is stored.
    /// </summary>
    public AccountChanges CompareAccounts(IReadOnlyList<LocalAccount> accounts)
    {
        var before = new Dictionary<(string Population, string Key), (string? Name, string? Website, string Source, string? Fields)>();
        using (var read = Command("SELECT population, match_key, name, website, source, fields FROM accounts"))
        using (var reader = read.ExecuteReader())
            while (reader.Read())
                before[(reader.GetString(0), reader.GetString(1))] = (reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5));
        var empty = before.Count == 0;
        var upserts = new List<AccountUpsert>(empty ? accounts.Count : 0);
        foreach (var account in accounts)
        {
            var fields = account.Fields.Count == 0 ? null : JsonSerializer.Serialize(account.Fields, App.CliJsonContext.Default.IReadOnlyDictionaryStringString);
            // Into an empty list (a first import) everything is new: no key text to make and look up.
            if (before.Count > 0 && before.Remove((account.Population, account.Key.ToString()), out var old)
                && old.Name == account.Name && old.Website == account.Website && account.SourceIs(old.Source) && old.Fields == fields)
                continue;
            upserts.Add(new AccountUpsert(account, fields));
        }
        // What is left of the rows before was not imported again.
        var deletes = before.Keys.ToList();
        var version = ListVersion();
        return new AccountChanges(upserts, deletes, upserts.Count > 0 || deletes.Count > 0 ? version + 1 : version, empty);
    }

    /// <summary>Stores <paramref name="changes"/> and their list version in one transaction (nothing when nothing changed).</summary>
    // Per account: compiled optimized at its first call (see AccountImport.KeysOf).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteAccounts(AccountChanges changes)
    {
        if (!changes.Changed) return;
        using var transaction = Begin();
        if (changes.Upserts.Count > 0)
        {
            // Several rows a statement: one cursor for them all, which finds each next row's place from
            // the last one's (they come in key order) rather than from the root, and one statement's
            // start, step and reset rather than several. The rest of a population, one at a time.
            using var wide = Bulk(InsertSql(RowsPerInsert, changes.Empty));
            using var single = Bulk(InsertSql(1, changes.Empty));
            // Written in the table's key order, so new rows append to the B-tree rather than split pages
            // all over it: population by population, each in key order (see KeyOrder).
            var byPopulation = new SortedDictionary<string, List<AccountUpsert>>(StringComparer.Ordinal);
            if (changes.Upserts.TrueForAll(row => row.Account.Population == changes.Upserts[0].Account.Population))
                byPopulation[changes.Upserts[0].Account.Population] = changes.Upserts; // one population, as often: no lookup a row (and sorted as it is)
            else
                foreach (var row in changes.Upserts)
                    (byPopulation.TryGetValue(row.Account.Population, out var group) ? group : byPopulation[row.Account.Population] = []).Add(row);
            foreach (var (population, group) in byPopulation)
            {
                // Bound once: a binding stays until it is bound again.
                for (var i = 0; i < RowsPerInsert; i++) wide.Text(i * AccountColumns + 1, population);
                single.Text(1, population);
                var rows = CollectionsMarshal.AsSpan(group);
                KeyOrder.Sort(rows);
                for (var start = 0; start < rows.Length; start += TouchedRows)
                {
                    var chunk = rows.Slice(start, Math.Min(TouchedRows, rows.Length - start));
                    touched += Touch(chunk);
                    var at = 0;
                    for (; at + RowsPerInsert <= chunk.Length; at += RowsPerInsert)
                    {
                        for (var i = 0; i < RowsPerInsert; i++) BindAccount(wide, i * AccountColumns, chunk[at + i]);
                        wide.Run();
                    }
                    for (; at < chunk.Length; at++)
                    {
                        BindAccount(single, 0, chunk[at]);
                        single.Run();
                    }
                }
            }
        }
        if (changes.Deletes.Count > 0)
        {
            using var delete = Bulk("DELETE FROM accounts WHERE population = ?1 AND match_key = ?2");
            foreach (var (population, key) in changes.Deletes)
            {
                delete.Text(1, population);
                delete.Text(2, key);
                delete.Run();
            }
        }
        Execute("INSERT INTO list_state (id, version) VALUES (1, $v) ON CONFLICT (id) DO UPDATE SET version = $v", transaction, ("$v", changes.Version));
        transaction.Commit();
    }

    /// <summary>Rows whose accounts and strings <see cref="Touch"/> reads ahead of their writing.</summary>
    private const int TouchedRows = 64;

    /// <summary>Rows a statement of a bulk write inserts: a divisor of <see cref="TouchedRows"/>.</summary>
    private const int RowsPerInsert = 64;

    /// <summary>The accounts table's columns, as bound for a row (population, match_key, name, website, source, fields).</summary>
    private const int AccountColumns = 6;

    /// <summary>
    /// Inserts <paramref name="rows"/> accounts, parameters ?1 to ?6 the first's, ?7 to ?12 the
    /// second's, and so on. Into a list that was empty, a plain insert: a shorter program per row than
    /// the upsert's. The writes are one at a time (see StoreWriter), so nothing can have come in since
    /// the comparison; if something had, the insert would fail on the key rather than overwrite it.
    /// </summary>
    private static string InsertSql(int rows, bool intoEmpty)
    {
        var sql = new StringBuilder("INSERT INTO accounts (population, match_key, name, website, source, fields) VALUES ");
        for (var row = 0; row < rows; row++)
        {
            var p = row * AccountColumns;
            sql.Append(row == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"(?{p + 1}, ?{p + 2}, ?{p + 3}, ?{p + 4}, ?{p + 5}, ?{p + 6})");
        }
        if (!intoEmpty)
            sql.Append(" ON CONFLICT (population, match_key) DO UPDATE SET name = excluded.name, website = excluded.website, source = excluded.source, fields = excluded.fields");
        return sql.ToString();
    }

    /// <summary>Binds a row's account but its population (bound once for many) to parameters from <paramref name="offset"/> + 2.</summary>
    private static void BindAccount(BulkStatement statement, int offset, AccountUpsert row)
    {
        statement.Key(offset + 2, row.Account.Key);
        statement.RowTextOrNull(offset + 3, row.Account.Name);
        statement.RowTextOrNull(offset + 4, row.Account.Website);
        statement.Source(offset + 5, row.Account);
        statement.TextOrNull(offset + 6, row.Fields);
    }

    /// <summary>Keeps <see cref="Touch"/>'s reads from being left out as unused.</summary>
    private static int touched;

    /// <summary>
    /// Reads the accounts of <paramref name="rows"/> and their strings, so that their writing then
    /// finds them in the cache. In key order, the accounts are all over the heap (they were made in
    /// file order): the write, reading each on its turn, waited on a cache miss after a cache miss,
    /// ~1 CPU-s at 1,000,000 accounts. This tight loop has the misses of many rows under way at once.
    /// </summary>
    // Per account: compiled optimized at its first call (see AccountImport.KeysOf).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Touch(ReadOnlySpan<AccountUpsert> rows)
    {
        var sum = 0;
        foreach (var row in rows)
        {
            var account = row.Account;
            sum += Ends(account.Key.Value) + Ends(account.Name) + Ends(account.Website) + Ends(row.Fields);
        }
        return sum;
    }

    /// <summary>A string's first and last character (a string of 30 characters or more spans two cache lines or more).</summary>
    private static int Ends(string? text) => text is { Length: > 0 } ? text[0] + text[^1] : 0;

    /// <summary>My accounts, optionally of one population.</summary>
    public List<LocalAccount> Accounts(string? population = null)
    {
        using var command = Command("SELECT population, match_key, name, website, source, fields FROM accounts" +
            (population is null ? "" : " WHERE population = $p") + " ORDER BY population, match_key");
        if (population is not null) command.Parameters.AddWithValue("$p", population);
        using var reader = command.ExecuteReader();
        var list = new List<LocalAccount>();
        while (reader.Read())
            list.Add(new LocalAccount(reader.GetString(0), MatchKey.Parse(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? new Dictionary<string, string>() : JsonSerializer.Deserialize(reader.GetString(5), App.CliJsonContext.Default.DictionaryStringString)!));
        return list;
    }

    /// <summary>The account behind a match key in a population, if it is still in my list.</summary>
    public LocalAccount? Account(string population, string matchKey)
    {
        using var command = Command("SELECT name, website, source, fields FROM accounts WHERE population = $p AND match_key = $k");
        command.Parameters.AddWithValue("$p", population);
        command.Parameters.AddWithValue("$k", matchKey);
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return new LocalAccount(population, MatchKey.Parse(matchKey), reader.IsDBNull(0) ? null : reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
            reader.IsDBNull(3) ? new Dictionary<string, string>() : JsonSerializer.Deserialize(reader.GetString(3), App.CliJsonContext.Default.DictionaryStringString)!);
    }

    /// <summary>The list's version: changes whenever an import changes the list (0 before the first).</summary>
    public long ListVersion()
    {
        using var command = Command("SELECT version FROM list_state WHERE id = 1");
        return command.ExecuteScalar() is long version ? version : 0;
    }

    /// <summary>Whether a partnership's records were last brought completely up to date with this list version and these rules.</summary>
    public bool Exchanged(string partnership, int epoch, long listVersion, string rules)
    {
        using var command = Command("SELECT 1 FROM exchanged WHERE partnership = $p AND epoch = $e AND list_version = $v AND rules = $r");
        command.Parameters.AddWithValue("$p", partnership);
        command.Parameters.AddWithValue("$e", epoch);
        command.Parameters.AddWithValue("$v", listVersion);
        command.Parameters.AddWithValue("$r", rules);
        return command.ExecuteScalar() is not null;
    }

    public void MarkExchanged(string partnership, int epoch, long listVersion, string rules) =>
        Execute("INSERT INTO exchanged (partnership, epoch, list_version, rules) VALUES ($p, $e, $v, $r) ON CONFLICT (partnership, epoch) DO UPDATE SET list_version = $v, rules = $r",
            null, ("$p", partnership), ("$e", epoch), ("$v", listVersion), ("$r", rules));

    public long AccountCount()
    {
        using var command = Command("SELECT count(*) FROM accounts");
        return (long)command.ExecuteScalar()!;
    }
}
