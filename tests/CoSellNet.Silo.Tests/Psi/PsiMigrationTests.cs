using CoSellNet.Protocol;
using CoSellNet.Silo.Psi;
using CoSellNet.Silo.Storage;
using CoSellNet.Testing;
using Npgsql;

namespace CoSellNet.Silo.Tests.Psi;

/// <summary>The PSI migrations (0007 lists keyed by id, 0009 points per chunk, 0010 match sets, 0011 tags with their records, 0012 tag blocks) on databases that hold data in the shape before each.</summary>
public sealed class PsiMigrationTests
{
    [Fact]
    public async Task Existing_records_tags_fields_and_tasks_carry_over()
    {
        await using var db = NpgsqlDataSource.Create(await PostgresServer.CreateEmptyDatabaseAsync("migrate_psi"));
        var scripts = SchemaMigrator.Scripts;
        var upTo0006 = scripts.TakeWhile(s => !s.Id.StartsWith("migrations/0007", StringComparison.Ordinal)).ToList();
        Assert.True(upTo0006.Count < scripts.Count);
        await SchemaMigrator.ApplyAsync(db, upTo0006);

        // Side a: seqs 1-4 tagged, 5-6 not (a task's worth to do); side b: all tagged. Both share
        // keys through tags x and y; a's record 3 has b's tag z. a has sealed fields for record 1.
        await using (var old = db.CreateCommand("""
            INSERT INTO psi_records (partnership, epoch, owner, record_id, seq, population, point, tag) VALUES
              ('a|b', 3, 'a', '\x01', 1, 'customers', '\xa1', '\x78'), ('a|b', 3, 'a', '\x02', 2, 'customers', '\xa2', '\x79'),
              ('a|b', 3, 'a', '\x03', 3, 'prospects', '\xa3', '\x7a'), ('a|b', 3, 'a', '\x04', 4, 'customers', '\xa4', '\x01'),
              ('a|b', 3, 'a', '\x05', 5, 'customers', '\xa5', NULL),   ('a|b', 3, 'a', '\x06', 6, 'customers', '\xa6', NULL),
              ('a|b', 3, 'b', '\x11', 7, 'customers', '\xb1', '\x78'), ('a|b', 3, 'b', '\x12', 8, 'customers', '\xb2', '\x79'),
              ('a|b', 3, 'b', '\x13', 9, 'customers', '\xb3', '\x7a');
            INSERT INTO psi_fields (partnership, epoch, owner, record_id, sealed) VALUES ('a|b', 3, 'a', '\x01', '\xf1');
            -- Ids and tags of 16 bytes, as the API makes them (0012 packs them so): each byte above 16 times.
            UPDATE psi_records SET record_id = decode(repeat(encode(record_id, 'hex'), 16), 'hex'), tag = decode(repeat(encode(tag, 'hex'), 16), 'hex');
            UPDATE psi_fields SET record_id = decode(repeat(encode(record_id, 'hex'), 16), 'hex');
            """))
            await old.ExecuteNonQueryAsync();
        var before = await Rows(db, "SELECT owner, record_id, seq, population, point, tag FROM psi_records ORDER BY owner, seq");

        Assert.Contains("migrations/0007_psi_lists", await SchemaMigrator.ApplyAsync(db));

        // The old shape reads the same through the view.
        Assert.Equal(before, await Rows(db, "SELECT owner, record_id, seq, population, point, tag FROM psi_records ORDER BY owner, seq"));
        Assert.Equal(["a:4:6", "b:9:9"], (await Rows(db, "SELECT owner || ':' || tagged_through || ':' || last_seq FROM psi_lists ORDER BY owner")).Select(r => (string)r[0]!));
        Assert.Equal([[new byte[] { 0xf1 }]], await Rows(db, "SELECT sealed FROM psi_list_fields"));
        Assert.Equal((6L, 3L), (await new PsiStore(db).Count("a|b", 3, "a"), await new PsiStore(db).Count("a|b", 3, "b")));

        // The untagged suffix is the next task; the tagged records intersect.
        var reblind = new ReblindStore(db);
        var task = await reblind.NextRange("a|b", 3, "a", 100);
        Assert.Equal((5L, 6L, 2), (task!.FromSeq, task.ToSeq, task.Count));
        Assert.Null(await reblind.NextRange("a|b", 3, "b", 100));
        var (matrix, _, _) = await new MatchStore(db).Intersect("a|b", 3, "a", "b", ["customers"], ["customers", "prospects"]);
        Assert.Equal([new MatchCount("customers", "customers", 2), new MatchCount("prospects", "customers", 1)], matrix);
    }

    [Fact]
    public async Task An_add_upload_in_flight_resumes_and_commits_after_0009()
    {
        await using var db = NpgsqlDataSource.Create(await PostgresServer.CreateEmptyDatabaseAsync("migrate_psi9"));
        await SchemaMigrator.ApplyAsync(db, SchemaMigrator.Scripts.TakeWhile(s => !s.Id.StartsWith("migrations/0009", StringComparison.Ordinal)).ToList());
        var upload = Guid.NewGuid();
        // A list of 2 committed records; an add of 5 with its first chunk (3 records, one of them
        // record 2 unchanged) staged the old way.
        await using (var old = db.CreateCommand($"""
            INSERT INTO psi_lists (partnership, epoch, owner, last_seq, records, tagged_through) VALUES ('a|b', 1, 'a', 2, 2, 2);
            INSERT INTO psi_points (list_id, record_id, seq, population, point)
            SELECT list_id, r.id, r.seq, 'customers', r.point FROM psi_lists, (VALUES ('\x01'::bytea, 1, '\xa1'::bytea), ('\x02', 2, '\xa2')) r (id, seq, point);
            INSERT INTO psi_uploads (upload_id, partnership, epoch, owner, population, kind, declared_count, received_count, chunks)
            VALUES ('{upload}', 'a|b', 1, 'a', 'customers', 'add', 5, 3, 1);
            INSERT INTO psi_upload_chunks (upload_id, chunk, sha256, count) VALUES ('{upload}', 0, '\x00', 3);
            INSERT INTO psi_staged (upload_id, record_id, payload) VALUES ('{upload}', '\x13', '\xc3'), ('{upload}', '\x11', '\xc1'), ('{upload}', '\x02', '\xa2');
            """))
            await old.ExecuteNonQueryAsync();
        Assert.Contains("migrations/0009_psi_points_per_chunk", await SchemaMigrator.ApplyAsync(db));

        var store = new PsiStore(db);
        var body = new byte[2 * (PsiFormat.RecordIdSize + PsiFormat.PointSize)];
        for (var i = 0; i < 2; i++)
        {
            body[i * 48] = (byte)(0x21 + i);
            CoSellNet.Crypto.Ristretto255.HashToGroup([(byte)i], "CoSellNet-test"u8, body.AsSpan(i * 48 + PsiFormat.RecordIdSize, PsiFormat.PointSize));
        }
        Assert.Equal(ChunkOutcome.Accepted, (await store.AddChunk(upload, 1, body, ChunkItems.Parse(UploadKind.Add, body))).Outcome);
        await store.Commit(upload);

        Assert.Equal(6L, await store.Count("a|b", 1, "a"));
        Assert.Equal(6L, (await store.Counts("a|b", 1, "a"))["customers"]);
        // Record 2 kept its seq (and its tag); the 4 new ones come after every seq given before.
        Assert.Equal(4L, await new ReblindStore(db).Untagged("a|b", 1, "a"));
        Assert.Equal([2L], (await Rows(db, "SELECT seq FROM psi_points WHERE record_id = '\\x02'")).Select(r => (long)r[0]!));
        Assert.Equal(0L, (long)(await Rows(db, "SELECT count(*) FROM psi_staged"))[0][0]!);
    }

    [Fact]
    public async Task Released_matches_stay_readable_after_0010()
    {
        await using var db = NpgsqlDataSource.Create(await PostgresServer.CreateEmptyDatabaseAsync("migrate_psi10"));
        await SchemaMigrator.ApplyAsync(db, SchemaMigrator.Scripts.TakeWhile(s => !s.Id.StartsWith("migrations/0010", StringComparison.Ordinal)).ToList());
        // A release of a|b epoch 2: a's record 01 matched b's 11 (customers) and 12 (prospects), a's 02 matched b's 12;
        // b has sealed fields for 11. Another partnership's release, and an older epoch, alongside.
        await using (var old = db.CreateCommand("""
            INSERT INTO psi_lists (partnership, epoch, owner) VALUES ('a|b', 2, 'b');
            INSERT INTO psi_list_fields (list_id, record_id, sealed) SELECT list_id, '\x11', '\xf1' FROM psi_lists;
            INSERT INTO psi_matches (partnership, epoch, low_record, low_population, high_record, high_population) VALUES
              ('a|b', 2, '\x01', 'customers', '\x11', 'customers'), ('a|b', 2, '\x01', 'customers', '\x12', 'prospects'),
              ('a|b', 2, '\x02', 'partners', '\x12', 'prospects'), ('a|c', 1, '\x05', 'customers', '\x15', 'customers'),
              ('a|b', 1, '\x09', 'customers', '\x19', 'customers');
            """))
            await old.ExecuteNonQueryAsync();
        const string all = "SELECT partnership, epoch, low_record, low_population, high_record, high_population FROM psi_matches ORDER BY 1, 2, 3, 5";
        var before = await Rows(db, all);

        Assert.Contains("migrations/0010_psi_match_sets", await SchemaMigrator.ApplyAsync(db));

        Assert.Equal(before, await Rows(db, all));
        var matches = new MatchStore(db);
        var low = await matches.Matches("a|b", 2, lowSide: true, "b", ["customers", "prospects"], ["customers"], after: null, limit: 10);
        Assert.Equal([("01", "customers", "customers,prospects", 1), ("02", "partners", "prospects", 0)],
            low.Select(m => (Convert.ToHexStringLower(m.RecordId), m.MyPopulation, string.Join(',', m.TheirPopulations), m.Fields.Count)));
        Assert.Equal([0xf1], low[0].Fields.Single().Sealed);
        var high = await matches.Matches("a|b", 2, lowSide: false, "a", ["partners"], [], after: [0x11], limit: 10);
        Assert.Equal(["12"], high.Select(m => Convert.ToHexStringLower(m.RecordId)));
        Assert.True(await matches.IsVisibleMatch("a|b", 2, lowSide: false, [0x12], ["customers"]));
        Assert.False(await matches.IsVisibleMatch("a|b", 2, lowSide: false, [0x11], ["partners"]));

        // A release after the migration compares with the carried-over set: a|b epoch 2 has no tags now, so all of it is gone.
        await using (var lists = db.CreateCommand("INSERT INTO psi_lists (partnership, epoch, owner) VALUES ('a|b', 2, 'a')"))
            await lists.ExecuteNonQueryAsync();
        var (matrix, lowChanges, highChanges) = await matches.Intersect("a|b", 2, "a", "b", ["customers", "prospects"], ["customers", "partners"]);
        Assert.Empty(matrix);
        Assert.Equal((2L, 2L), (lowChanges.GoneCount, highChanges.GoneCount));
        Assert.Equal(["01", "02"], lowChanges.Gone);
        Assert.Equal(["11", "12"], highChanges.Gone);
        await new PsiStore(db).DeleteBefore("a|c", int.MaxValue);
        Assert.Equal([["a|b", 1]], (await Rows(db, "SELECT partnership, epoch FROM psi_matches")).Select(r => r).ToList());
    }

    [Fact]
    public async Task Tags_carry_their_records_after_0011_tags_of_no_records_seq_go_and_0012_packs_them_into_blocks()
    {
        await using var db = NpgsqlDataSource.Create(await PostgresServer.CreateEmptyDatabaseAsync("migrate_psi11"));
        await SchemaMigrator.ApplyAsync(db, SchemaMigrator.Scripts.TakeWhile(s => !s.Id.StartsWith("migrations/0011", StringComparison.Ordinal)).ToList());
        // Side a: record 01 at seq 1; record 02 tagged at seq 2, then changed (prospects, seq 4) and
        // tagged again; a record at seq 3 tagged, then removed. Side b: 11, 12 and 13, all tagged,
        // 13 with the removed record's tag: stale tags that a join of tags alone would match.
        await using (var old = db.CreateCommand("""
            INSERT INTO psi_lists (partnership, epoch, owner, last_seq, records, tagged_through, committed_seq)
            VALUES ('a|b', 1, 'a', 4, 2, 4, 4), ('a|b', 1, 'b', 3, 3, 3, 3);
            INSERT INTO psi_points (list_id, record_id, seq, population, point)
            SELECT l.list_id, r.id, r.seq, r.population, r.point FROM psi_lists l
              JOIN (VALUES ('a', '\x01'::bytea, 1, 'customers', '\xa1'::bytea), ('a', '\x02', 4, 'prospects', '\xa2'),
                           ('b', '\x11', 1, 'customers', '\xb1'), ('b', '\x12', 2, 'customers', '\xb2'), ('b', '\x13', 3, 'customers', '\xb3')) r (owner, id, seq, population, point)
                ON r.owner = l.owner;
            INSERT INTO psi_tags (list_id, seq, tag)
            SELECT l.list_id, t.seq, t.tag FROM psi_lists l
              JOIN (VALUES ('a', 1, '\x78'::bytea), ('a', 2, '\x79'), ('a', 3, '\x7a'), ('a', 4, '\x79'),
                           ('b', 1, '\x78'), ('b', 2, '\x79'), ('b', 3, '\x7a')) t (owner, seq, tag)
                ON t.owner = l.owner;
            -- Ids and tags of 16 bytes, as the API makes them (0012 packs them so): each byte above 16 times.
            UPDATE psi_points SET record_id = decode(repeat(encode(record_id, 'hex'), 16), 'hex');
            UPDATE psi_tags SET tag = decode(repeat(encode(tag, 'hex'), 16), 'hex');
            """))
            await old.ExecuteNonQueryAsync();
        const string records = "SELECT owner, record_id, seq, population, tag FROM psi_records ORDER BY owner, seq";
        var before = await Rows(db, records);
        // The first byte of each tag and record id stands for it.
        const string tags = """
            SELECT l.owner || ':' || t.seq || ':' || left(encode(t.tag, 'hex'), 2) || ':' || left(encode(t.record_id, 'hex'), 2) || ':' || t.population
              FROM psi_tags t JOIN psi_lists l USING (list_id) ORDER BY l.owner, t.seq
            """;
        string[] carried = ["a:1:78:01:customers", "a:4:79:02:prospects", "b:1:78:11:customers", "b:2:79:12:customers", "b:3:7a:13:customers"];

        var applied = await SchemaMigrator.ApplyAsync(db, SchemaMigrator.Scripts.TakeWhile(s => !s.Id.StartsWith("migrations/0012", StringComparison.Ordinal)).ToList());
        Assert.Contains("migrations/0011_psi_tags_with_records", applied);
        Assert.Equal(before, await Rows(db, records));
        Assert.Equal(carried, (await Rows(db, tags)).Select(r => (string)r[0]!));

        // 0012: one block per list (fewer than 65,536 tags each), read through the views as before.
        Assert.Contains("migrations/0012_psi_tag_blocks", await SchemaMigrator.ApplyAsync(db));
        Assert.Equal(before, await Rows(db, records));
        Assert.Equal(carried, (await Rows(db, tags)).Select(r => (string)r[0]!));
        Assert.Equal(["a:1:4:customers,prospects:84", "b:1:3:customers:126"], (await Rows(db, """
            SELECT l.owner || ':' || b.first_seq || ':' || b.last_seq || ':' || array_to_string(b.populations, ',') || ':' || length(b.entries)
              FROM psi_tag_blocks b JOIN psi_lists l USING (list_id) ORDER BY l.owner
            """)).Select(r => (string)r[0]!));
        var (matrix, low, _) = await new MatchStore(db).Intersect("a|b", 1, "a", "b", ["customers"], ["customers", "prospects"]);
        Assert.Equal([new MatchCount("customers", "customers", 1), new MatchCount("prospects", "customers", 1)], matrix);
        Assert.Equal([string.Concat(Enumerable.Repeat("01", 16)), string.Concat(Enumerable.Repeat("02", 16))], low.Found);
    }

    private static async Task<List<object?[]>> Rows(NpgsqlDataSource db, string sql)
    {
        await using var cmd = db.CreateCommand(sql);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }
}
