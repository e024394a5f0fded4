using CoSellNet.Cli.App;
using CoSellNet.Cli.Local;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Crypto;
using CoSellNet.Protocol;
using Microsoft.Data.Sqlite;

namespace CoSellNet.Client.Tests.Cli.Local;

/// <summary>The local index: planned adds written once, re-imports that write only changes, batched lookups, and stores of earlier versions.</summary>
public sealed class LocalStoreTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "cosell-store-" + Guid.NewGuid().ToString("N"));
    private string PathOf => Path.Combine(directory, "accounts.db");

    private static LocalAccount Account(string key, string? name = null, string source = "crm.csv:2") =>
        new("customers", MatchKey.Parse(key), name, null, source, new Dictionary<string, string>());

    private static long TotalChanges(LocalStore store)
    {
        using var command = store.Command("SELECT total_changes()");
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public void A_re_import_writes_only_the_accounts_that_changed()
    {
        using var store = LocalStore.Open(PathOf);
        store.ReplaceAccounts([Account("d:acme.com", "Acme"), Account("d:globex.com"), Account("d:initech.com")]);
        var before = TotalChanges(store);

        store.ReplaceAccounts([Account("d:acme.com", "Acme"), Account("d:globex.com"), Account("d:initech.com")]);
        Assert.Equal(before, TotalChanges(store));

        store.ReplaceAccounts([Account("d:acme.com", "Acme Corp"), Account("d:globex.com"), Account("d:umbrella.com")]);
        Assert.Equal(before + 4, TotalChanges(store)); // one renamed, one added, one removed, and the list's version
        Assert.Equal(["d:acme.com|Acme Corp", "d:globex.com|", "d:umbrella.com|"], store.Accounts().Select(a => $"{a.Key}|{a.Name}"));
    }

    [Fact]
    public void An_imported_accounts_source_is_file_and_line_as_stored_and_a_re_import_of_it_writes_nothing()
    {
        using var store = LocalStore.Open(PathOf);
        var imported = new LocalAccount("customers", MatchKey.Parse("d:acme.com"), "Acme", null, "crm export.csv", 1_234_567, new Dictionary<string, string>());
        Assert.Equal("crm export.csv:1234567", imported.Source);
        var longName = new string('x', 600) + ".csv";
        store.ReplaceAccounts([imported, new LocalAccount("customers", MatchKey.Parse("d:globex.com"), null, null, longName, 3, new Dictionary<string, string>())]);
        Assert.Equal(["crm export.csv:1234567", longName + ":3"], store.Accounts().Select(a => a.Source));
        var before = TotalChanges(store);

        store.ReplaceAccounts([Account("d:acme.com", "Acme", "crm export.csv:1234567"), new LocalAccount("customers", MatchKey.Parse("d:globex.com"), null, null, longName, 3, new Dictionary<string, string>())]);
        Assert.Equal(before, TotalChanges(store));
        store.ReplaceAccounts([new LocalAccount("customers", MatchKey.Parse("d:acme.com"), "Acme", null, "crm export.csv", 1_234_568, new Dictionary<string, string>())]);
        Assert.Equal("crm export.csv:1234568", store.Account("customers", "d:acme.com")!.Source);
    }

    [Fact]
    public void Many_accounts_of_several_populations_are_written_many_a_statement_and_rewritten_as_they_change()
    {
        using var store = LocalStore.Open(PathOf);
        // 1,000 accounts (not a multiple of the rows a statement takes), shuffled, in two populations, some with fields.
        LocalAccount Make(int i, string name) => new(i % 3 == 0 ? "prospects" : "customers", MatchKey.Parse($"d:c{i}.example"), name, i % 5 == 0 ? null : $"https://c{i}.example",
            "crm.csv", i + 2, i % 7 == 0 ? new Dictionary<string, string> { ["Industry"] = $"I{i}" } : new Dictionary<string, string>());
        var accounts = Enumerable.Range(0, 1_000).Select(i => Make(i, $"C {i}")).ToList();
        Random.Shared.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(accounts));
        static string Row(LocalAccount a) =>
            $"{a.Population}|{a.Key}|{a.Name}|{a.Website}|{a.Source}|{string.Join(",", a.Fields.Select(f => $"{f.Key}={f.Value}"))}";

        store.ReplaceAccounts(accounts);
        Assert.Equal(accounts.Select(Row).Order(StringComparer.Ordinal), store.Accounts().Select(Row).Order(StringComparer.Ordinal));

        // Every third renamed, every eleventh gone: the upserts take the same path, the rest stays.
        var changed = accounts.Where((_, i) => i % 11 != 0).Select((a, i) => i % 3 == 0 ? Make(int.Parse(a.Key.Value[1..^8]), "Renamed") : a).ToList();
        store.ReplaceAccounts(changed);
        Assert.Equal(changed.Select(Row).Order(StringComparer.Ordinal), store.Accounts().Select(Row).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Bulk_writes_keep_empty_text_apart_from_null_keep_non_ascii_text_and_report_sqlite_errors()
    {
        using var store = LocalStore.Open(PathOf);
        store.ReplaceAccounts([
            new LocalAccount("customers", MatchKey.Parse("d:acme.com"), "", null, "crm.csv:2", new Dictionary<string, string>()),
            new LocalAccount("customers", MatchKey.Parse("d:globex.com"), "Zürich Ünïcode 株式会社", "https://globex.com", "crm.csv:3",
                new Dictionary<string, string> { ["Industry"] = "Café" }),
        ]);
        var accounts = store.Accounts();
        Assert.Equal("", accounts[0].Name);
        Assert.Null(accounts[0].Website);
        Assert.Empty(accounts[0].Fields);
        Assert.Equal("Zürich Ünïcode 株式会社", accounts[1].Name);
        Assert.Equal("Café", accounts[1].Fields["Industry"]);

        using var transaction = store.Begin();
        using var insert = store.Bulk("INSERT INTO list_state (id, version) VALUES (?1, ?2)");
        insert.Int64(1, 2); // the table's CHECK (id = 1) refuses it
        insert.Int64(2, 7);
        var refused = Assert.Throws<SqliteException>(insert.Run);
        Assert.Contains("CHECK", refused.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Text_bound_in_place_is_written_whole_when_a_statement_s_rows_outgrow_its_buffer_or_a_value_is_long()
    {
        using var store = LocalStore.Open(PathOf);
        // 64 rows a statement with names of 900 three-byte characters (~2.7 KB each in UTF-8): a statement's rows
        // need more than the in-place buffer holds, so later values are copied; some names are longer than
        // what is encoded here at all, some websites and sources long too.
        LocalAccount Make(int i) => new("customers", MatchKey.Parse($"d:c{i}.example"),
            new string((char)('一' + i % 50), i % 10 == 0 ? 1_500 : 900) + i, i % 4 == 0 ? null : "https://c" + new string('w', i % 3 == 0 ? 1_200 : 20) + i + ".example",
            "crm" + new string('f', i % 5 == 0 ? 700 : 3) + ".csv", i + 2, new Dictionary<string, string>());
        var accounts = Enumerable.Range(0, 300).Select(Make).ToList();
        static string Row(LocalAccount a) => $"{a.Population}|{a.Key}|{a.Name}|{a.Website}|{a.Source}";

        store.ReplaceAccounts(accounts);

        Assert.Equal(accounts.Select(Row).Order(StringComparer.Ordinal), store.Accounts().Select(Row).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_list_version_moves_only_when_an_import_changes_the_list_and_an_exchange_is_remembered_per_version_and_rules()
    {
        using var store = LocalStore.Open(PathOf);
        Assert.Equal(0, store.ListVersion());
        store.ReplaceAccounts([Account("d:acme.com", "Acme")]);
        var first = store.ListVersion();
        store.ReplaceAccounts([Account("d:acme.com", "Acme")]);
        Assert.Equal(first, store.ListVersion());

        store.MarkExchanged("p1", 1, first, "customers=Overlaps");
        Assert.True(store.Exchanged("p1", 1, first, "customers=Overlaps"));
        Assert.False(store.Exchanged("p1", 1, first, "customers=Fields"));
        Assert.False(store.Exchanged("p1", 2, first, "customers=Overlaps"));

        store.ReplaceAccounts([Account("d:acme.com", "Acme"), Account("d:globex.com")]);
        Assert.False(store.Exchanged("p1", 1, store.ListVersion(), "customers=Overlaps"));
        store.ForgetOtherEpochs("p1", 2);
        Assert.False(store.Exchanged("p1", 1, first, "customers=Overlaps"));
    }

    [Fact]
    public void A_planned_add_writes_each_record_once_gives_its_keys_back_in_plan_order_and_commits_without_touching_them()
    {
        using var store = LocalStore.Open(PathOf);
        var keys = new[] { MatchKey.Parse("d:umbrella.com"), MatchKey.Parse("d:acme.com"), MatchKey.Parse("d:globex.com") };
        var ids = new byte[keys.Length * RecordIds.Size];
        for (var i = 0; i < ids.Length; i++) ids[i] = (byte)(255 - i);
        var upload = new PendingUpload(Guid.NewGuid(), "p1", "them", 1, "customers", UploadKind.Add, keys.Length, ids, UploadLayout.Plan, 2);
        var before = TotalChanges(store);

        store.BeginAdd(upload, keys);

        Assert.Equal(before + 1 + keys.Length, TotalChanges(store)); // the upload's row and one per record
        var pending = Assert.Single(store.PendingUploads("p1"));
        Assert.Equal((UploadLayout.Plan, 2), (pending.Layout, pending.ChunkRecords));
        Assert.Equal(ids, pending.Payload);
        Assert.Equal(keys, store.PlannedKeys(pending));
        Assert.Equal(3, store.RecordPopulations("p1", 1).Count);
        var planned = TotalChanges(store);

        store.CompleteUpload(pending);

        Assert.Equal(planned + 1, TotalChanges(store)); // the upload's row goes; its records stay as they are
        Assert.Empty(store.PendingUploads("p1"));
        Assert.Equal(3, store.RecordPopulations("p1", 1).Count);
        Assert.Equal("d:umbrella.com", store.Record("p1", 1, ids[..RecordIds.Size])!.MatchKey);
    }

    [Fact]
    public void A_planned_add_of_many_records_out_of_id_order_is_written_in_id_order_and_each_is_found_again()
    {
        using var store = LocalStore.Open(PathOf);
        const int count = 200;
        var keys = Enumerable.Range(0, count).Select(i => MatchKey.Parse($"d:company-{i}.com")).ToArray();
        var ids = new byte[count * RecordIds.Size];
        new Random(7).NextBytes(ids); // a plan out of id order: written sorted
        var upload = new PendingUpload(Guid.NewGuid(), "p1", "them", 1, "customers", UploadKind.Add, count, ids, UploadLayout.Plan, 64);
        var before = TotalChanges(store);

        store.BeginAdd(upload, keys);

        Assert.Equal(before + 1 + count, TotalChanges(store));
        Assert.Equal(keys, store.PlannedKeys(Assert.Single(store.PendingUploads("p1"))));
        Assert.Equal(count, store.RecordPopulations("p1", 1).Count);
        for (var i = 0; i < count; i += 37)
            Assert.Equal($"d:company-{i}.com", store.Record("p1", 1, ids[(i * RecordIds.Size)..((i + 1) * RecordIds.Size)])!.MatchKey);
    }

    [Fact]
    public void A_planned_add_in_id_order_is_written_many_records_a_statement_with_the_rest_one_at_a_time()
    {
        using var store = LocalStore.Open(PathOf);
        const int count = 64 * 2 + 5;
        var keys = Enumerable.Range(0, count).Select(i => MatchKey.Parse(i % 2 == 0 ? $"d:company-{i}.com" : $"n:company {i}")).ToArray();
        var ids = new byte[count * RecordIds.Size];
        for (var i = 0; i < count; i++) RecordIds.Write((UInt128)(i + 1) << 64 | (UInt128)(count - i), ids.AsSpan(i * RecordIds.Size, RecordIds.Size));
        var upload = new PendingUpload(Guid.NewGuid(), "p1", "them", 1, "customers", UploadKind.Add, count, ids, UploadLayout.Plan, 64);
        var before = TotalChanges(store);

        store.BeginAdd(upload, keys);
        store.BeginAdd(upload with { UploadId = Guid.NewGuid() }, keys); // the same records again: each left as it is

        Assert.Equal(before + 2 + count, TotalChanges(store));
        var records = store.RecordPopulations("p1", 1);
        Assert.Equal(count, records.Count);
        Assert.All(records.Values, population => Assert.Equal("customers", population));
        for (var i = 0; i < count; i++)
            Assert.Equal(keys[i].ToString(), store.Record("p1", 1, ids[(i * RecordIds.Size)..((i + 1) * RecordIds.Size)])!.MatchKey);
    }

    [Fact]
    public void Overlaps_are_resolved_a_batch_at_a_time_and_records_no_longer_in_the_list_are_left_out()
    {
        using var store = LocalStore.Open(PathOf);
        store.ReplaceAccounts([Account("d:acme.com", "Acme"), Account("d:globex.com")]);
        byte[] Id(byte b) => Enumerable.Repeat(b, RecordIds.Size).ToArray();
        foreach (var (id, key) in new[] { (Id(1), "d:acme.com"), (Id(2), "d:globex.com"), (Id(3), "d:gone.com") })
            store.Execute("INSERT INTO records (partnership, epoch, record_id, population, match_key) VALUES ('p1', 1, $r, 'customers', $k)", null, ("$r", id), ("$k", key));

        var found = store.AccountsOf("p1", 1, new[] { Id(1), Id(2), Id(3), Id(4), Id(1) }.SelectMany(b => b).ToArray());

        // One answer per id, in the ids' order (the same id twice answers twice); gone records answer null.
        Assert.Equal(5, found.Length);
        Assert.Equal(["Acme", null, null, null, "Acme"], found.Select(a => a?.Name));
        Assert.Equal("d:globex.com", found[1]!.MatchKey);
        Assert.Null(Assert.Single(store.AccountsOf("p2", 1, Id(1))));
        Assert.Empty(store.AccountsOf("p1", 1, ReadOnlyMemory<byte>.Empty));
        Assert.Throws<ArgumentException>(() => store.AccountsOf("p1", 1, new byte[RecordIds.Size + 1]));
    }

    [Fact]
    public void A_store_of_an_earlier_version_opens_with_its_pending_upload_kept_as_exact_bytes()
    {
        Directory.CreateDirectory(directory);
        var payload = Enumerable.Range(0, 48).Select(i => (byte)i).ToArray();
        using (var old = new SqliteConnection($"Data Source={PathOf};Pooling=False"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE uploads (upload_id TEXT PRIMARY KEY, partnership TEXT NOT NULL, counterpart TEXT NOT NULL, epoch INTEGER NOT NULL,
                    population TEXT NOT NULL, kind TEXT NOT NULL, count INTEGER NOT NULL, payload BLOB NOT NULL, created INTEGER NOT NULL);
                INSERT INTO uploads VALUES ('7d0f3c2e-8f5a-4c51-9a43-2b8f7a0c9e11', 'p1', 'them', 1, 'customers', 'Add', 1, $b, 1);
                """;
            create.Parameters.AddWithValue("$b", payload);
            create.ExecuteNonQuery();
        }

        using var store = LocalStore.Open(PathOf);

        var pending = Assert.Single(store.PendingUploads("p1"));
        Assert.Equal((UploadLayout.Payload, UploadKind.Add, 1), (pending.Layout, pending.Kind, pending.Count));
        Assert.Equal(payload, pending.Payload);
    }

    [Fact]
    public void A_store_whose_records_have_a_committed_flag_loses_it_and_resumes_its_planned_add()
    {
        Directory.CreateDirectory(directory);
        byte[] Id(byte b) => Enumerable.Repeat(b, RecordIds.Size).ToArray();
        var plan = Id(2).Concat(Id(3)).ToArray();
        using (var old = new SqliteConnection($"Data Source={PathOf};Pooling=False"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE records (partnership TEXT NOT NULL, epoch INTEGER NOT NULL, record_id BLOB NOT NULL, population TEXT NOT NULL,
                    match_key TEXT NOT NULL, committed INTEGER NOT NULL, PRIMARY KEY (partnership, epoch, record_id)) WITHOUT ROWID;
                CREATE TABLE uploads (upload_id TEXT PRIMARY KEY, partnership TEXT NOT NULL, counterpart TEXT NOT NULL, epoch INTEGER NOT NULL,
                    population TEXT NOT NULL, kind TEXT NOT NULL, count INTEGER NOT NULL, payload BLOB NOT NULL, created INTEGER NOT NULL,
                    layout TEXT NOT NULL DEFAULT 'payload', chunk_records INTEGER NOT NULL DEFAULT 0);
                INSERT INTO records VALUES ('p1', 1, $one, 'customers', 'd:acme.com', 1), ('p1', 1, $two, 'customers', 'd:globex.com', 0),
                    ('p1', 1, $three, 'customers', 'd:initech.com', 0);
                INSERT INTO uploads VALUES ('7d0f3c2e-8f5a-4c51-9a43-2b8f7a0c9e11', 'p1', 'them', 1, 'customers', 'Add', 2, $plan, 1, 'plan', 16384);
                """;
            create.Parameters.AddWithValue("$one", Id(1));
            create.Parameters.AddWithValue("$two", Id(2));
            create.Parameters.AddWithValue("$three", Id(3));
            create.Parameters.AddWithValue("$plan", plan);
            create.ExecuteNonQuery();
        }

        using var store = LocalStore.Open(PathOf);

        using (var columns = store.Command("SELECT count(*) FROM pragma_table_info('records') WHERE name = 'committed'"))
            Assert.Equal(0L, (long)columns.ExecuteScalar()!);
        var pending = Assert.Single(store.PendingUploads("p1"));
        Assert.Equal(new[] { MatchKey.Parse("d:globex.com"), MatchKey.Parse("d:initech.com") }, store.PlannedKeys(pending));
        Assert.Equal(3, store.RecordPopulations("p1", 1).Count);
        Assert.Equal("d:acme.com", store.Record("p1", 1, Id(1))!.MatchKey);
        store.Dispose();
        using var again = LocalStore.Open(PathOf); // migrated once: opening it again changes nothing
        Assert.Single(again.PendingUploads("p1"));
    }

    [Fact]
    public async Task The_writer_takes_writes_from_several_threads_one_at_a_time_and_flush_covers_them_all()
    {
        using var store = LocalStore.Open(PathOf);
        var made = new System.Collections.Concurrent.ConcurrentQueue<int>();
        int inside = 0, overlapped = 0;
        await using (var writes = new StoreWriter(store))
        {
            // A sync's upload and re-blinding ask for writes at once.
            Parallel.For(0, 200, i => writes.Write(s =>
            {
                if (Interlocked.Increment(ref inside) != 1) Interlocked.Increment(ref overlapped);
                made.Enqueue(i);
                s.AddReblinded("p1", 1, 1);
                Interlocked.Decrement(ref inside);
            }));
            await writes.Flush();
            Assert.Equal(Enumerable.Range(0, 200), made.Order()); // every write, once, all done when Flush is
        }
        Assert.Equal(0, overlapped);
        Assert.Equal(200L, store.Reblinded("p1", 1));
    }

    [Fact]
    public async Task The_writer_stores_in_order_on_its_own_connection_and_a_write_after_a_failed_one_is_not_made()
    {
        using var store = LocalStore.Open(PathOf);
        var changes = store.CompareAccounts([Account("d:acme.com", "Acme"), Account("d:globex.com")]);
        Assert.Equal((2, 1L), (changes.Upserts.Count, changes.Version));
        Assert.Equal(0, store.AccountCount()); // comparing writes nothing

        await using (var writes = new StoreWriter(store))
        {
            var accounts = writes.Write(s => s.WriteAccounts(changes));
            var exchanged = writes.Write(s => s.MarkExchanged("p1", 1, changes.Version, "customers=Overlaps"));
            await exchanged;
            Assert.True(accounts.IsCompletedSuccessfully);
            Assert.Equal((2L, 1L), (store.AccountCount(), store.ListVersion()));
            Assert.True(store.Exchanged("p1", 1, 1, "customers=Overlaps"));

            var failed = writes.Write(_ => throw new InvalidOperationException("disk full"));
            var after = writes.Write(s => s.MarkExchanged("p2", 1, 1, "customers=Overlaps"));
            Assert.Equal("disk full", (await Assert.ThrowsAsync<InvalidOperationException>(() => after)).Message);
            Assert.False(store.Exchanged("p2", 1, 1, "customers=Overlaps"));
            await Assert.ThrowsAsync<InvalidOperationException>(() => failed);
        }
        Assert.Equal(1L, store.CompareAccounts([Account("d:acme.com", "Acme"), Account("d:globex.com")]).Version); // nothing changed: same version
    }

    [Fact]
    public async Task A_sync_whose_files_give_no_account_is_refused_and_keeps_the_list()
    {
        using var cli = new CliRun().Configured();
        // Writes the key file first; publishing its public keys then fails on the stub, which knows no such route.
        await cli.Run("secret", "init");
        Assert.True(File.Exists(Path.Combine(cli.Directory, ".cosellnet", "profiles", "default", "master.key")));
        var empty = Path.Combine(cli.Directory, "empty.csv");
        File.WriteAllText(empty, "Account Name,Website,Type\n");
        using (var store = LocalStore.Open(Path.Combine(cli.Directory, ".cosellnet", "profiles", "default", "accounts.db")))
            store.ReplaceAccounts([Account("d:acme.com", "Acme")]);

        var refused = await cli.Run("sync", empty);

        Assert.Equal(ExitCodes.Usage, refused.ExitCode);
        Assert.Contains("--allow-empty", refused.Error);
        Assert.Contains("Nothing was changed", refused.Error);
        using var after = LocalStore.Open(Path.Combine(cli.Directory, ".cosellnet", "profiles", "default", "accounts.db"));
        Assert.Equal(1, after.AccountCount());
    }

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }
}
