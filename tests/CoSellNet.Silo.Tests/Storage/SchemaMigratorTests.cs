using CoSellNet.Silo.Storage;
using CoSellNet.Testing;
using Npgsql;

namespace CoSellNet.Silo.Tests.Storage;

/// <summary>The schema migrator on real, empty PostgreSQL databases.</summary>
public sealed class SchemaMigratorTests
{
    private static readonly string[] OrleansScripts =
        ["orleans/PostgreSQL-Main", "orleans/PostgreSQL-Clustering", "orleans/PostgreSQL-Persistence", "orleans/PostgreSQL-Reminders"];

    [Fact]
    public void Embedded_scripts_are_the_orleans_scripts_in_order_then_the_numbered_migrations()
    {
        var ids = SchemaMigrator.Scripts.Select(s => s.Id).ToList();
        Assert.Equal(OrleansScripts, ids.Take(4));
        var migrations = ids.Skip(4).ToList();
        Assert.NotEmpty(migrations);
        Assert.All(migrations, id => Assert.Matches(@"^migrations/[0-9]{4,}_[a-z0-9_]+$", id));
        var numbers = migrations.Select(id => long.Parse(id["migrations/".Length..].Split('_')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(numbers.Order(), numbers);
        Assert.Equal(numbers.Count, numbers.Distinct().Count());
        Assert.All(SchemaMigrator.Scripts, s => Assert.False(string.IsNullOrWhiteSpace(s.Sql)));
    }

    [Fact]
    public void Checksums_ignore_line_endings_but_not_content()
    {
        Assert.Equal(new SchemaScript("x", "SELECT 1;\nSELECT 2;\n").Sha256, new SchemaScript("x", "SELECT 1;\r\nSELECT 2;\r\n").Sha256);
        Assert.NotEqual(new SchemaScript("x", "SELECT 1;").Sha256, new SchemaScript("x", "SELECT 2;").Sha256);
    }

    [Fact]
    public async Task Applies_every_script_to_an_empty_database_and_records_it()
    {
        await using var db = NpgsqlDataSource.Create(await PostgresServer.CreateEmptyDatabaseAsync("migrate_empty"));

        var applied = await SchemaMigrator.ApplyAsync(db);

        Assert.Equal(SchemaMigrator.Scripts.Select(s => s.Id), applied);
        var recorded = await SchemaMigrator.ReadAppliedAsync(db);
        Assert.Equal(SchemaMigrator.Scripts.ToDictionary(s => s.Id, s => s.Sha256), recorded);
        await using var cmd = db.CreateCommand($"SELECT count(*) FROM {SchemaMigrator.HistoryTable} WHERE applied_at IS NULL OR applied_at > now()");
        Assert.Equal(0L, await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_second_run_applies_nothing()
    {
        await using var db = NpgsqlDataSource.Create(await PostgresServer.CreateEmptyDatabaseAsync("migrate_twice"));
        Assert.NotEmpty(await SchemaMigrator.ApplyAsync(db));

        Assert.Empty(await SchemaMigrator.ApplyAsync(db));
        Assert.Empty(await SchemaMigrator.ApplyAsync(db));
        Assert.Equal(SchemaMigrator.Scripts.Count, (await SchemaMigrator.ReadAppliedAsync(db)).Count);
    }

    [Fact]
    public async Task The_orleans_tables_functions_and_queries_exist()
    {
        await using var db = NpgsqlDataSource.Create(await PostgresServer.CreateDatabaseAsync("migrate_orleans"));

        foreach (var table in new[] { "orleansquery", "orleansmembershipversiontable", "orleansmembershiptable", "orleansstorage", "orleansreminderstable", "partner_directory" })
        {
            await using var exists = db.CreateCommand("SELECT to_regclass($1) IS NOT NULL");
            exists.Parameters.Add(new() { Value = table });
            Assert.True(await exists.ExecuteScalarAsync() is true, $"table {table} is missing");
        }
        await using var count = db.CreateCommand("SELECT count(*) FROM OrleansQuery");
        Assert.True((long)(await count.ExecuteScalarAsync())! >= 15);
        await using var keys = db.CreateCommand("SELECT count(*) FROM OrleansQuery WHERE QueryKey = ANY($1)");
        string[] expected = ["InsertMembershipKey", "UpdateIAmAlivetimeKey", "WriteToStorageKey", "ReadFromStorageKey", "UpsertReminderRowKey", "ReadReminderRowsKey"];
        keys.Parameters.Add(new() { Value = expected });
        Assert.Equal((long)expected.Length, await keys.ExecuteScalarAsync());
        await using var function = db.CreateCommand("SELECT count(*) FROM pg_proc WHERE proname = 'writetostorage'");
        Assert.Equal(1L, await function.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_changed_script_is_refused_and_nothing_is_applied()
    {
        await using var db = NpgsqlDataSource.Create(await PostgresServer.CreateEmptyDatabaseAsync("migrate_changed"));
        SchemaScript[] first = [new("migrations/0001_a", "CREATE TABLE a (x int);")];
        await SchemaMigrator.ApplyAsync(db, first);

        SchemaScript[] edited = [new("migrations/0001_a", "CREATE TABLE a (x bigint);"), new("migrations/0002_b", "CREATE TABLE b (x int);")];
        var error = await Assert.ThrowsAsync<SchemaMigrationException>(() => SchemaMigrator.ApplyAsync(db, edited));

        Assert.Contains("migrations/0001_a", error.Message);
        Assert.Contains("changed after it was applied", error.Message);
        Assert.Contains("new numbered migration", error.Message);
        Assert.Equal(["migrations/0001_a"], (await SchemaMigrator.ReadAppliedAsync(db)).Keys);
        await using var b = db.CreateCommand("SELECT to_regclass('b') IS NULL");
        Assert.True(await b.ExecuteScalarAsync() is true, "0002 ran although 0001 was refused");
    }

    [Fact]
    public async Task A_tampered_record_of_an_embedded_script_is_refused()
    {
        await using var db = NpgsqlDataSource.Create(await PostgresServer.CreateDatabaseAsync("migrate_tampered"));
        var last = SchemaMigrator.Scripts[^1].Id;
        await using (var tamper = db.CreateCommand($"UPDATE {SchemaMigrator.HistoryTable} SET sha256 = repeat('0', 64) WHERE id = $1"))
        {
            tamper.Parameters.Add(new() { Value = last });
            Assert.Equal(1, await tamper.ExecuteNonQueryAsync());
        }

        var error = await Assert.ThrowsAsync<SchemaMigrationException>(() => SchemaMigrator.ApplyAsync(db));
        Assert.Contains(last, error.Message);
    }

    [Fact]
    public async Task A_failing_script_is_rolled_back_with_its_record_and_later_scripts_wait()
    {
        await using var db = NpgsqlDataSource.Create(await PostgresServer.CreateEmptyDatabaseAsync("migrate_failing"));
        SchemaScript[] scripts =
        [
            new("migrations/0001_ok", "CREATE TABLE ok (x int);"),
            new("migrations/0002_bad", "CREATE TABLE half (x int);\nINSERT INTO half VALUES (1);\nSELECT 1 / 0;"),
            new("migrations/0003_later", "CREATE TABLE later (x int);"),
        ];

        var error = await Assert.ThrowsAsync<SchemaMigrationException>(() => SchemaMigrator.ApplyAsync(db, scripts));

        Assert.Contains("migrations/0002_bad", error.Message);
        Assert.Contains("22012", error.Message); // division_by_zero
        Assert.Equal(["migrations/0001_ok"], (await SchemaMigrator.ReadAppliedAsync(db)).Keys);
        await using (var tables = db.CreateCommand("SELECT to_regclass('ok') IS NOT NULL, to_regclass('half') IS NULL, to_regclass('later') IS NULL"))
        await using (var reader = await tables.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.True(reader.GetBoolean(0) && reader.GetBoolean(1) && reader.GetBoolean(2));
        }

        // Fixed (the script never applied, so changing it is allowed), it goes through with the rest.
        scripts[1] = new("migrations/0002_bad", "CREATE TABLE half (x int);");
        Assert.Equal(["migrations/0002_bad", "migrations/0003_later"], await SchemaMigrator.ApplyAsync(db, scripts));
    }

    [Fact]
    public async Task Nodes_migrating_at_the_same_time_apply_each_script_exactly_once()
    {
        var cs = await PostgresServer.CreateEmptyDatabaseAsync("migrate_race");
        // Separate data sources, as separate nodes would have.
        var nodes = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(cs)).ToList();
        try
        {
            using var go = new SemaphoreSlim(0);
            var runs = nodes.Select(async node => { await go.WaitAsync(); return await SchemaMigrator.ApplyAsync(node); }).ToList();
            go.Release(nodes.Count);
            var results = await Task.WhenAll(runs);

            Assert.Equal(
                SchemaMigrator.Scripts.Select(s => s.Id).Order(StringComparer.Ordinal),
                results.SelectMany(r => r).Order(StringComparer.Ordinal));
            Assert.Equal(SchemaMigrator.Scripts.Count, (await SchemaMigrator.ReadAppliedAsync(nodes[0])).Count);
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_advisory_lock_is_released_after_migrating_even_on_failure()
    {
        var cs = await PostgresServer.CreateEmptyDatabaseAsync("migrate_lock");
        await using var db = NpgsqlDataSource.Create(cs);
        await SchemaMigrator.ApplyAsync(db, [new("migrations/0001_ok", "SELECT 1;")]);
        await Assert.ThrowsAsync<SchemaMigrationException>(() => SchemaMigrator.ApplyAsync(db, [new("migrations/0002_bad", "SELEC 1;")]));

        // Whatever pooled connection the migrator used is idle now; the lock must be free for others.
        await using var other = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString);
        await using var cmd = other.CreateCommand($"SELECT pg_try_advisory_lock({SchemaMigrator.AdvisoryLockKey})");
        Assert.True(await cmd.ExecuteScalarAsync() is true);
    }

    [Fact]
    public async Task Scripts_with_the_same_id_twice_are_refused()
    {
        await using var db = NpgsqlDataSource.Create(await PostgresServer.CreateEmptyDatabaseAsync("migrate_dupe"));
        await Assert.ThrowsAsync<SchemaMigrationException>(() =>
            SchemaMigrator.ApplyAsync(db, [new("migrations/0001_a", "SELECT 1;"), new("migrations/0001_a", "SELECT 2;")]));
    }
}
