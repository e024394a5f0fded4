using CoSellNet.Protocol;
using CoSellNet.Testing;
using Npgsql;

namespace CoSellNet.EndToEnd.Tests;

/// <summary>
/// Interrupted syncs (issue 5, "Proof: resume"): the CLI killed in the middle of an upload, and
/// the node it talks to killed in the middle of a sync, in a cluster of two. Run again (against
/// the surviving node), the sync continues where it stopped; the results equal an uninterrupted
/// run's and the node holds every record once. The kill points are exact, not timed: a proxy
/// holds the upload's second chunk, so the first is stored and nothing after it is sent.
/// </summary>
public sealed class MappingResumeTests
{
    private const string C = "customers";
    /// <summary>Records per chunk the CLI sends in an add (it blinds one chunk while sending the previous).</summary>
    private const int AddChunkRecords = 16_384;

    [Fact]
    public async Task A_sync_killed_mid_upload_resumes_without_duplicates_and_gives_the_uninterrupted_results()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("e2e-resume");
        await using var node = await NodeProcess.StartAsync(cs, "e2e-" + Guid.NewGuid().ToString("N")[..12]);
        await using var proxy = new HoldingProxy(node.Url);
        using var big = new Party("big", "Dunmarrow Vendor", PartnerType.Vendor);
        using var small = new Party("small", "Elvaston ISV", PartnerType.Technology);
        big.Shares["small"] = [new(C, SharingLevel.Overlaps)];
        small.Shares["big"] = [new(C, SharingLevel.Overlaps)];
        await Network.Join(node, big, proxy.Url);
        await Network.Join(node, small);
        await Network.Partner(big, small);

        // 200,000 accounts: thirteen chunks of 16,384 (the CLI's add chunk). The small list has 600 of them.
        var (bigList, bigDomains) = CrmExports.BulkSalesforce(200_000, 0, "bgr", []);
        var planted = bigDomains.Where((_, i) => i % 333 == 7).Take(600).ToList();
        var (smallList, _) = CrmExports.BulkSalesforce(1_400, 0, "sml", planted);
        var smallFile = small.Cli.File("small.csv", System.Text.Encoding.UTF8.GetString(smallList));
        var bigFile = big.Cli.File("big.csv", System.Text.Encoding.UTF8.GetString(bigList));

        // Killed once the first chunk is stored and the second is on its way. The small list is
        // uploaded after: a sync re-blinds the partner's points while it uploads, and this one must
        // leave that to the resumed run, to be counted there.
        proxy.HoldIf = (method, path) => method == "PUT" && path.EndsWith("/chunks/1", StringComparison.Ordinal);
        await using (var killed = big.Cli.Start("sync", bigFile, "-o", "json"))
        {
            await proxy.Held;
            await killed.Kill();
            proxy.Drop();
            Assert.Contains("Uploading add customers", killed.Stderr);
        }
        var interrupted = await Uploads(cs, big.Id);
        var halfway = Assert.Single(interrupted);
        Assert.Equal((false, 1, AddChunkRecords, 200_000), halfway);
        Assert.Equal((0L, 0L), await Stored(cs, big.Id));
        var first = Assert.Single((await small.Cli.Run("sync", smallFile, "-o", "json")).Ok().Read<List<SyncJson>>());
        Assert.Equal((2_000, 0L), (first.Added, first.Reblinded));

        // Run again, without the file: the list imported last time. It finishes the upload.
        var resumed = Assert.Single((await big.Cli.Run("sync", "-o", "json")).Ok().Read<List<SyncJson>>());
        Assert.Equal((200_000, 0, 2_000L), (resumed.Added, resumed.Removed, resumed.Reblinded));
        var again = Assert.Single((await small.Cli.Run("sync", "-o", "json")).Ok().Read<List<SyncJson>>());
        Assert.Equal((0, 0, 200_000L), (again.Added, again.Removed, again.Reblinded));
        Assert.True(again.Status!.ReleaseVersion > 0);

        await CheckResults(big, small, planted);
        Assert.Equal((200_000L, 200_000L), await Stored(cs, big.Id));
        Assert.Equal((2_000L, 2_000L), await Stored(cs, small.Id));
        Assert.All(await Uploads(cs, big.Id), u => Assert.True(u.Committed && u.Received == u.Declared));
        Assert.Equal(200_000, (await Uploads(cs, big.Id)).Sum(u => u.Received));
        Assert.Equal(0L, await Scalar(cs, "SELECT count(*) FROM psi_staged"));
    }

    [Fact]
    public async Task A_sync_killed_between_its_plan_and_its_first_chunk_resumes_from_the_plan_without_duplicates()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("e2e-resume-plan");
        await using var node = await NodeProcess.StartAsync(cs, "e2e-" + Guid.NewGuid().ToString("N")[..12]);
        await using var proxy = new HoldingProxy(node.Url);
        using var big = new Party("big", "Lornwick Vendor", PartnerType.Vendor);
        using var small = new Party("small", "Marrowby ISV", PartnerType.Technology);
        big.Shares["small"] = [new(C, SharingLevel.Overlaps)];
        small.Shares["big"] = [new(C, SharingLevel.Overlaps)];
        await Network.Join(node, big, proxy.Url);
        await Network.Join(node, small);
        await Network.Partner(big, small);

        // 40,000 accounts: three chunks, blinded while the list and the plan are stored.
        var (bigList, bigDomains) = CrmExports.BulkSalesforce(40_000, 0, "lrn", []);
        var planted = bigDomains.Where((_, i) => i % 97 == 3).Take(300).ToList();
        var (smallList, _) = CrmExports.BulkSalesforce(700, 0, "mrw", planted);

        // Killed once the plan is stored and the upload is being declared: the node knows nothing of
        // it. The small list is uploaded after, so that the killed run has nothing to re-blind yet.
        proxy.HoldIf = (method, path) => method == "POST" && path.EndsWith("/psi/uploads", StringComparison.Ordinal);
        await using (var killed = big.Cli.Start("sync", big.Cli.File("big.csv", System.Text.Encoding.UTF8.GetString(bigList)), "-o", "json"))
        {
            await proxy.Held;
            await killed.Kill();
            proxy.Drop();
        }
        Assert.Empty(await Uploads(cs, big.Id));
        (await small.Cli.Run("sync", small.Cli.File("small.csv", System.Text.Encoding.UTF8.GetString(smallList)), "-o", "json")).Ok();

        // Run again without the file: the list the killed run stored, and its plan, are sent once.
        var resumed = Assert.Single((await big.Cli.Run("sync", "-o", "json")).Ok().Read<List<SyncJson>>());
        Assert.Equal((40_000, 0, 1_000L), (resumed.Added, resumed.Removed, resumed.Reblinded));
        var again = Assert.Single((await small.Cli.Run("sync", "-o", "json")).Ok().Read<List<SyncJson>>());
        Assert.Equal((0, 40_000L), (again.Added, again.Reblinded));
        var idle = Assert.Single((await big.Cli.Run("sync", "-o", "json")).Ok().Read<List<SyncJson>>());
        Assert.Equal((0, 0), (idle.Added, idle.Removed));

        await CheckResults(big, small, planted);
        Assert.Equal((40_000L, 40_000L), await Stored(cs, big.Id));
        Assert.All(await Uploads(cs, big.Id), u => Assert.True(u.Committed && u.Received == u.Declared));
        Assert.Equal(40_000, (await Uploads(cs, big.Id)).Sum(u => u.Received));
    }

    [Fact]
    public async Task A_node_killed_mid_sync_the_client_syncs_against_the_other_node_without_duplicates()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("e2e-failover");
        var clusterId = "e2e-" + Guid.NewGuid().ToString("N")[..12];
        await using var one = await NodeProcess.StartAsync(cs, clusterId);
        await using var two = await NodeProcess.StartAsync(cs, clusterId);
        await using var proxy = new HoldingProxy(one.Url);
        using var big = new Party("big", "Fallowmere Vendor", PartnerType.Vendor);
        using var small = new Party("small", "Grisholt SI", PartnerType.Service);
        big.Shares["small"] = [new(C, SharingLevel.Overlaps)];
        small.Shares["big"] = [new(C, SharingLevel.Overlaps)];
        await Network.Join(one, big, proxy.Url);
        await Network.Join(one, small, two.Url);
        await Network.Partner(big, small);

        // 100,000 accounts: seven chunks. The small list has 300 of them.
        var (bigList, bigDomains) = CrmExports.BulkSalesforce(100_000, 0, "fal", []);
        var planted = bigDomains.Where((_, i) => i % 311 == 5).Take(300).ToList();
        var (smallList, _) = CrmExports.BulkSalesforce(700, 0, "gri", planted);
        var smallFile = small.Cli.File("small.csv", System.Text.Encoding.UTF8.GetString(smallList));
        var bigFile = big.Cli.File("big.csv", System.Text.Encoding.UTF8.GetString(bigList));

        // Node one dies while the big list's second chunk is on its way to it. The small list is
        // uploaded after (on node two), so that the cut run has nothing to re-blind yet.
        proxy.HoldIf = (method, path) => method == "PUT" && path.EndsWith("/chunks/1", StringComparison.Ordinal);
        await using (var cut = big.Cli.Start("sync", bigFile, "-o", "json"))
        {
            await proxy.Held;
            one.Kill();
            proxy.Forward();
            var failed = await cut.Exit();
            Assert.NotEqual(0, failed.ExitCode);
        }
        Assert.Equal((false, 1, AddChunkRecords, 100_000), Assert.Single(await Uploads(cs, big.Id)));
        await Eventually(() => small.Cli.Run("sync", smallFile, "-o", "json"));

        // The same client, pointed at node two. Until the cluster has noticed that node one is
        // gone, grains that lived there do not answer yet: the sync is run again until it goes through.
        var resumed = await Eventually(() => big.Cli.Run("sync", "--url", two.Url.ToString(), "-o", "json"));
        var summary = Assert.Single(resumed.Read<List<SyncJson>>());
        Assert.Equal((100_000, 0, 1_000L), (summary.Added, summary.Removed, summary.Reblinded));
        var againRun = await small.Cli.Run("sync", "-o", "json");
        if (againRun.ExitCode != 0) throw new Xunit.Sdk.XunitException(againRun + "\n--- node two ---\n" + two.Output[^Math.Min(two.Output.Length, 20000)..]);
        var again = Assert.Single(againRun.Read<List<SyncJson>>());
        Assert.True(again.Status!.ReleaseVersion > 0, againRun.ToString());
        Assert.Equal(100_000L, again.Reblinded);

        (await big.Cli.Run("config", "set", "--url", two.Url.ToString())).Ok();
        await CheckResults(big, small, planted);
        Assert.Equal((100_000L, 100_000L), await Stored(cs, big.Id));
        Assert.Equal((1_000L, 1_000L), await Stored(cs, small.Id));
        Assert.All(await Uploads(cs, big.Id), u => Assert.True(u.Committed && u.Received == u.Declared));
        Assert.Equal(0L, await Scalar(cs, "SELECT count(*) FROM psi_staged"));
    }

    [Fact]
    public async Task A_partner_changing_its_list_while_I_reblind_it_does_not_fail_my_sync_and_a_new_epoch_starts_over()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("e2e-concurrent");
        await using var node = await NodeProcess.StartAsync(cs, "e2e-" + Guid.NewGuid().ToString("N")[..12]);
        await using var proxy = new HoldingProxy(node.Url);
        using var big = new Party("big", "Harrowgate Vendor", PartnerType.Vendor);
        using var small = new Party("small", "Ivelmoor ISV", PartnerType.Technology);
        big.Shares["small"] = [new(C, SharingLevel.Overlaps)];
        small.Shares["big"] = [new(C, SharingLevel.Overlaps)];
        await Network.Join(node, big);
        await Network.Join(node, small, proxy.Url);
        await Network.Partner(big, small);

        var (bigList, bigDomains) = CrmExports.BulkSalesforce(3_000, 0, "hrw", []);
        var planted = bigDomains.Where((_, i) => i % 10 == 3).Take(200).ToList();
        var (smallList, smallDomains) = CrmExports.BulkSalesforce(300, 0, "ivm", planted);
        (await big.Cli.Run("sync", big.Cli.File("big.csv", System.Text.Encoding.UTF8.GetString(bigList)), "-o", "json")).Ok();

        // The ISV's sync re-blinds the vendor's 3,000 points; while its tags are on their way, the
        // vendor syncs a changed list: 100 accounts fewer (20 of them shared), 50 more (10 shared).
        proxy.HoldIf = (method, path) => method == "PUT" && path.EndsWith("/tags", StringComparison.Ordinal);
        await using var reblinding = small.Cli.Start("sync", small.Cli.File("small.csv", System.Text.Encoding.UTF8.GetString(smallList)), "-o", "json");
        await proxy.Held;
        // Its own upload runs alongside the re-blinding: the vendor's sync below re-blinds it once committed.
        await Committed(cs, small.Id, 500);
        var removed = planted.Take(20).Concat(bigDomains.Where((_, i) => i % 10 == 5).Take(80)).ToHashSet();
        var added = smallDomains.Take(10).Concat(Enumerable.Range(0, 40).Select(i => $"hrwnew{i:D4}-bulkvarn.com")).ToList();
        var (changedList, _) = CrmExports.BulkSalesforce(0, 0, "hrw", [.. bigDomains.Where(d => !removed.Contains(d)), .. added]);
        var change = Assert.Single((await big.Cli.Run("sync", big.Cli.File("big.csv", System.Text.Encoding.UTF8.GetString(changedList)), "-o", "json")).Ok().Read<List<SyncJson>>());
        Assert.Equal((50, 100, 500L), (change.Added, change.Removed, change.Reblinded));
        proxy.Forward();

        // The task the ISV was working on is gone; it goes on with the one the node hands out now.
        var done = await reblinding.Exit();
        var summary = Assert.Single(done.Ok().Read<List<SyncJson>>());
        Assert.Contains("was completed or replaced meanwhile", done.Stderr);
        Assert.Equal((500, 3_000L + 2_950L), (summary.Added, summary.Reblinded));
        Assert.True(summary.Status!.ReleaseVersion > 0);

        var expected = planted.Where(d => !removed.Contains(d)).Concat(smallDomains.Take(10)).ToList();
        Assert.Equal(190, expected.Count);
        await CheckResults(big, small, expected);

        // A new epoch (keys rotate): both start over with new keys and record ids, the old epoch's
        // data is gone from the node, and the results come back the same.
        (await big.Cli.Run("partnerships", "rotate", small.Id, "--yes")).Ok();
        var first = Assert.Single((await big.Cli.Run("sync", "-o", "json")).Ok().Read<List<SyncJson>>());
        Assert.Equal((2, 2_950, 0, 0L), (first.Epoch, first.Added, first.Removed, first.Reblinded));
        var second = Assert.Single((await small.Cli.Run("sync", "-o", "json")).Ok().Read<List<SyncJson>>());
        Assert.Equal((2, 500, 0, 2_950L), (second.Epoch, second.Added, second.Removed, second.Reblinded));
        var third = Assert.Single((await big.Cli.Run("sync", "-o", "json")).Ok().Read<List<SyncJson>>());
        Assert.Equal((0, 500L), (third.Added, third.Reblinded));
        Assert.True(third.Status!.ReleaseVersion > 0);
        await CheckResults(big, small, expected);
        Assert.Equal(0L, await Scalar(cs, "SELECT count(*) FROM psi_records WHERE epoch <> 2"));
        Assert.Equal(3_450L, await Scalar(cs, "SELECT count(*) FROM psi_records"));
    }

    [Fact]
    public async Task A_release_that_failed_is_made_by_the_next_sync()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("e2e-release");
        await using var node = await NodeProcess.StartAsync(cs, "e2e-" + Guid.NewGuid().ToString("N")[..12]);
        using var big = new Party("big", "Jorvale Vendor", PartnerType.Vendor);
        using var small = new Party("small", "Kestrom SI", PartnerType.Service);
        big.Shares["small"] = [new(C, SharingLevel.Overlaps)];
        small.Shares["big"] = [new(C, SharingLevel.Overlaps)];
        await Network.Join(node, big);
        await Network.Join(node, small);
        await Network.Partner(big, small);
        var (bigList, bigDomains) = CrmExports.BulkSalesforce(2_000, 0, "jor", []);
        var planted = bigDomains.Where((_, i) => i % 20 == 1).Take(50).ToList();
        var (smallList, _) = CrmExports.BulkSalesforce(150, 0, "kes", planted);
        (await small.Cli.Run("sync", small.Cli.File("small.csv", System.Text.Encoding.UTF8.GetString(smallList)), "-o", "json")).Ok();
        (await big.Cli.Run("sync", big.Cli.File("big.csv", System.Text.Encoding.UTF8.GetString(bigList)), "-o", "json")).Ok();

        // The database refuses the intersection once (as a hiccup, a timeout or a restart would)
        // when the small side's re-blind completes both directions.
        await Execute(cs, """
            CREATE TABLE e2e_refuse (armed boolean);
            INSERT INTO e2e_refuse VALUES (true);
            CREATE FUNCTION e2e_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF (SELECT armed FROM e2e_refuse) THEN RAISE EXCEPTION 'e2e: the database refuses this intersection'; END IF;
              RETURN NULL;
            END $$;
            CREATE TRIGGER e2e_refuse BEFORE INSERT ON psi_match_sets FOR EACH STATEMENT EXECUTE FUNCTION e2e_refuse();
            """);
        await small.Cli.Run("sync", "-o", "json"); // whatever it says: the release failed
        Assert.Equal(0L, await Scalar(cs, "SELECT count(*) FROM psi_matches"));
        await Execute(cs, "UPDATE e2e_refuse SET armed = false");

        // Nothing is left to re-blind and nothing changed, yet the next sync releases the result.
        var next = Assert.Single((await big.Cli.Run("sync", "-o", "json")).Ok().Read<List<SyncJson>>());
        Assert.Equal((0, 0, 0L), (next.Added, next.Removed, next.Reblinded));
        Assert.True(next.Status!.ReleaseVersion > 0, "The next sync did not release the result.");
        await CheckResults(big, small, planted);
        await Execute(cs, "DROP TRIGGER e2e_refuse ON psi_match_sets; DROP FUNCTION e2e_refuse(); DROP TABLE e2e_refuse;");
    }

    /// <summary>Both sides see exactly the planted overlaps, as an uninterrupted run would give.</summary>
    private static async Task CheckResults(Party big, Party small, List<string> planted)
    {
        var expected = planted.Order(StringComparer.Ordinal).ToList();
        var mineRun = (await big.Cli.Run("overlaps", "-o", "json")).Ok();
        var theirsRun = (await small.Cli.Run("overlaps", "-o", "json")).Ok();
        var mine = mineRun.Read<List<OverlapJson>>();
        var theirs = theirsRun.Read<List<OverlapJson>>();
        Truth.Same(expected, mine.Select(o => o.MatchKey), $"{big.Name}: overlaps ({mineRun.Stderr}); {small.Name} has {theirs.Count} ({theirsRun.Stderr})");
        Truth.Same(expected, theirs.Select(o => o.MatchKey), $"{small.Name}: overlaps ({theirsRun.Stderr})");
        Assert.All(theirs, o => Assert.Equal([C], o.TheirPopulations));
        foreach (var (me, them) in new[] { (big, small), (small, big) })
        {
            var cells = (await me.Cli.Run("matrix", them.Id, "-o", "json")).Ok().Read<List<CellJson>>();
            Assert.Equal([$"customers × customers: {planted.Count}"], cells.Select(Truth.Cell));
        }
    }

    private static async Task<CliResult> Eventually(Func<Task<CliResult>> run)
    {
        for (var attempt = 1; ; attempt++)
        {
            var result = await run();
            if (result.ExitCode == 0 || attempt == 30) return result.Ok();
            await Task.Delay(2000);
        }
    }

    /// <summary>A side's records on the node: how many, and how many distinct points.</summary>
    private static async Task<(long, long)> Stored(string cs, string owner)
    {
        await using var db = NpgsqlDataSource.Create(cs);
        await using var cmd = db.CreateCommand("SELECT count(*), count(DISTINCT point) FROM psi_records WHERE owner = $1");
        cmd.Parameters.Add(new() { Value = owner });
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Waits until <paramref name="owner"/>'s uploads, <paramref name="records"/> records in all, are committed (a minute at most).</summary>
    private static async Task Committed(string cs, string owner, int records)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var uploads = await Uploads(cs, owner);
            if (uploads.Count > 0 && uploads.All(u => u.Committed) && uploads.Sum(u => u.Received) == records) return;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"{owner}'s {records} records were not committed within a minute: {string.Join(", ", await Uploads(cs, owner))}.");
    }

    private static async Task<List<(bool Committed, int Chunks, int Received, int Declared)>> Uploads(string cs, string owner)
    {
        await using var db = NpgsqlDataSource.Create(cs);
        await using var cmd = db.CreateCommand("SELECT committed_at IS NOT NULL, chunks, received_count, declared_count FROM psi_uploads WHERE owner = $1 ORDER BY created_at");
        cmd.Parameters.Add(new() { Value = owner });
        await using var reader = await cmd.ExecuteReaderAsync();
        var list = new List<(bool, int, int, int)>();
        while (await reader.ReadAsync()) list.Add((reader.GetBoolean(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3)));
        return list;
    }

    private static async Task Execute(string cs, string sql)
    {
        await using var db = NpgsqlDataSource.Create(cs);
        await using var cmd = db.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<long> Scalar(string cs, string sql)
    {
        await using var db = NpgsqlDataSource.Create(cs);
        await using var cmd = db.CreateCommand(sql);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
