using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using CoSellNet.Benchmarks.Mapping;
using CoSellNet.Crypto;
using CoSellNet.Protocol;
using CoSellNet.Silo.Psi;
using CoSellNet.Testing;
using Npgsql;

namespace CoSellNet.Benchmarks.PsiStore;

/// <summary>
/// The node's PSI data path alone, against a fresh database on the fixture PostgreSQL: two sides
/// of N valid random points each go through the real stores as the endpoints drive them — chunk
/// validation (<see cref="ChunkItems"/>), <see cref="Silo.Psi.PsiStore.AddChunk"/> (SHA-256 and
/// binary COPY), commit; then each side's re-blind tasks (points streamed out, tags stored); then
/// the intersection with 20% shared. Reports rates, wall and CPU time (this process and the
/// PostgreSQL cluster, from the kernel), and sizes and memory.
/// </summary>
internal static class PsiStoreBenchmark
{
    // Partner ids as long as the node's (32 characters), so that the rows and index keys that carry
    // the partnership (65 characters) are as wide as in service.
    private const string Low = "benchlow00000000000000000000000a";
    private const string High = "benchlow00000000000000000000000b";
    private const string Partnership = Low + "|" + High;
    private const double Shared = 0.2;

    public static int Run(string[] args)
    {
        var size = 1_000_000;
        bool explain = false, keep = false, sortedIds = false;
        string? database = null;
        for (var i = 0; i < args.Length; i++)
            if (args[i] == "--size" && i + 1 < args.Length) size = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--explain") explain = true;
            else if (args[i] == "--keep") keep = true;
            else if (args[i] == "--sorted-ids") sortedIds = true;
            else if (args[i] == "--database" && i + 1 < args.Length) database = args[++i];
        return (database is null ? RunAsync(size, explain, keep, sortedIds) : IntersectOnly(database, size, explain)).GetAwaiter().GetResult();
    }

    /// <summary>
    /// The intersections alone, in a copy of a database that <c>--keep</c> left (tagged, not yet
    /// intersected; with COSELLNET_TEST_POSTGRES naming the server): the copy is made from it as a
    /// template and dropped after, so the kept one can be intersected again and again.
    /// </summary>
    private static async Task<int> IntersectOnly(string template, int size, bool explain)
    {
        var admin = await PostgresServer.AdminConnectionStringAsync();
        var copy = PostgresServer.UniqueName("bench-intersect");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {copy} TEMPLATE {template}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(admin) { Database = copy, Pooling = true }.ConnectionString;
        var watch = await PostgresWatch.Open(cs, 200);
        await using var db = NpgsqlDataSource.Create(cs);
        var found = await Intersections(new MatchStore(db), watch, size);
        if (explain) await Explain(db);
        foreach (var slow in watch.SlowStatements().OrderByDescending(s => s.Milliseconds).Take(12))
            Console.WriteLine($"  slow: {slow.Milliseconds,8:F0} ms  {slow.Kind}");
        await PostgresServer.DropDatabaseAsync(cs);
        return found == (int)(size * Shared) ? 0 : 1;
    }

    /// <summary>The first release of the tagged lists, then the same again (nothing changed: the notices are empty).</summary>
    private static async Task<long> Intersections(MatchStore matches, PostgresWatch watch, int size)
    {
        long found = 0;
        await Measure("intersection", watch, size, async () =>
        {
            var (matrix, low, high) = await matches.Intersect(Partnership, 1, Low, High, ["customers"], ["customers"]);
            found = matrix.Sum(c => c.Count);
            Console.WriteLine($"  found: low {low.FoundCount:N0}, high {high.FoundCount:N0}; gone: low {low.GoneCount:N0}, high {high.GoneCount:N0}");
        });
        Console.WriteLine($"  matches: {found:N0} (expected {(int)(size * Shared):N0})");
        await Measure("intersection again (same tags)", watch, size, async () =>
        {
            var (_, low, high) = await matches.Intersect(Partnership, 1, Low, High, ["customers"], ["customers"]);
            Console.WriteLine($"  found: low {low.FoundCount:N0}, high {high.FoundCount:N0}; gone: low {low.GoneCount:N0}, high {high.GoneCount:N0}");
        });
        return found;
    }

    private static async Task<int> RunAsync(int size, bool explain, bool keep, bool sortedIds)
    {
        Console.WriteLine($"psi-store: {size:N0} points per side, {Shared:P0} shared, uploaded in {(sortedIds ? "record id" : "random")} order; generating points...");
        var generate = Stopwatch.StartNew();
        var low = Records(size, sortedIds);
        var high = Records(size, sortedIds);
        Console.WriteLine($"  generated in {generate.Elapsed.TotalSeconds:F1} s");

        var cs = await PostgresServer.CreateDatabaseAsync("bench-psistore");
        var watch = await PostgresWatch.Open(cs, 0); // every statement, for the COPYs' total time
        await using var db = NpgsqlDataSource.Create(cs);
        var store = new Silo.Psi.PsiStore(db);
        var reblind = new ReblindStore(db);
        var matches = new MatchStore(db);

        MeasureValidation(low);
        foreach (var (owner, records) in new[] { (Low, low), (High, high) })
            await Measure($"upload {owner}", watch, size, () => Upload(store, owner, records));
        // As the mapping report counts them: points over the time PostgreSQL logged for the COPY statements.
        var copies = watch.SlowStatements().Where(st => st.Step.Length == 0 && st.Text.TrimStart().StartsWith("COPY psi_points", StringComparison.Ordinal)).ToList();
        Console.WriteLine($"  COPY into psi_points: {copies.Count} statements in {copies.Sum(c => c.Milliseconds) / 1000:F2} s = {2 * size / (copies.Sum(c => c.Milliseconds) / 1000):N0} points/s of statement time");

        // The tags each side's records get: 20% of the records of both lists carry the same tags,
        // so that exactly that many match; distinct random ones otherwise. The shared ones are spread
        // over both lists at random, as a client's random upload order spreads them over the seqs
        // (matches among the first seqs only would let a join by seq stop after a fifth of a list).
        var common = (int)(size * Shared);
        var lowTags = RandomNumberGenerator.GetBytes(size * PsiFormat.TagSize);
        var highTags = RandomNumberGenerator.GetBytes(size * PsiFormat.TagSize);
        int[] lowAt = [.. Enumerable.Range(0, size)], highAt = [.. Enumerable.Range(0, size)];
        Random.Shared.Shuffle(lowAt);
        Random.Shared.Shuffle(highAt);
        for (var i = 0; i < common; i++)
            lowTags.AsSpan(lowAt[i] * PsiFormat.TagSize, PsiFormat.TagSize).CopyTo(highTags.AsSpan(highAt[i] * PsiFormat.TagSize));
        await Measure("status: untagged records of both sides, 10 times (nothing tagged yet)", watch, size, () => Statuses(reblind, 10));
        foreach (var (owner, tags) in new[] { (Low, lowTags), (High, highTags) })
            await Measure($"re-blind tasks over {owner} (points out, tags in)", watch, size, () => Tag(reblind, owner, tags));
        Console.WriteLine($"  tag stores from the records the point read held: {reblind.TagStores.Held}; read again: {reblind.TagStores.Read}");
        await Measure("status: untagged records of both sides, 10 times (all tagged)", watch, size, () => Statuses(reblind, 10));

        if (keep)
        {
            // Kept (with COSELLNET_TEST_POSTGRES naming a server that outlives this process) just
            // before the first release: a template for --database to intersect copies of.
            Console.WriteLine($"kept database, tagged, not intersected: {new NpgsqlConnectionStringBuilder(cs).Database}");
            return 0;
        }
        var found = await Intersections(matches, watch, size);
        if (explain) await Explain(db);
        await Report(db, watch);
        foreach (var slow in watch.SlowStatements().OrderByDescending(s => s.Milliseconds).Take(12))
            Console.WriteLine($"  slow: {slow.Milliseconds,8:F0} ms  {slow.Kind}");
        await PostgresServer.DropDatabaseAsync(cs);
        return found == common ? 0 : 1;
    }

    /// <summary>
    /// N records of record id ‖ point; points are ristretto255 maps of random bytes, made on all cores.
    /// In random order, each chunk's ids span the whole id range; <paramref name="sorted"/> puts them
    /// in record id order, so each chunk's ids follow the previous chunk's.
    /// </summary>
    private static byte[] Records(int count, bool sorted)
    {
        const int size = PsiFormat.RecordIdSize + PsiFormat.PointSize;
        var records = new byte[count * size];
        Parallel.For(0, Environment.ProcessorCount, worker =>
        {
            Span<byte> uniform = stackalloc byte[Ristretto255.UniformSize];
            for (var i = worker; i < count; i += Environment.ProcessorCount)
            {
                var record = records.AsSpan(i * size, size);
                RandomNumberGenerator.Fill(record[..PsiFormat.RecordIdSize]);
                RandomNumberGenerator.Fill(uniform);
                Ristretto255.FromUniformBytes(uniform, record[PsiFormat.RecordIdSize..]);
            }
        });
        if (!sorted) return records;
        var keys = new UInt128[count];
        var order = new int[count];
        for (var i = 0; i < count; i++) (keys[i], order[i]) = (BinaryPrimitives.ReadUInt128BigEndian(records.AsSpan(i * size)), i);
        Array.Sort(keys, order);
        var inOrder = new byte[records.Length];
        for (var i = 0; i < count; i++) records.AsSpan(order[i] * size, size).CopyTo(inOrder.AsSpan(i * size));
        return inOrder;
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Chunks(byte[] records, int recordSize)
    {
        var chunkBytes = PsiFormat.MaxChunkRecords * recordSize;
        for (var offset = 0; offset < records.Length; offset += chunkBytes)
            yield return records.AsMemory(offset, Math.Min(chunkBytes, records.Length - offset));
    }

    /// <summary>What the chunk endpoint spends per point before the COPY: the checks of every point, and the body's SHA-256.</summary>
    private static void MeasureValidation(byte[] records)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var count = 0;
        foreach (var chunk in Chunks(records, PsiFormat.RecordIdSize + PsiFormat.PointSize))
            count += ChunkItems.Parse(UploadKind.Add, chunk.Span).Count;
        var parse = (Process.GetCurrentProcess().TotalProcessorTime - cpu, wall.Elapsed);
        cpu = Process.GetCurrentProcess().TotalProcessorTime;
        wall.Restart();
        foreach (var chunk in Chunks(records, PsiFormat.RecordIdSize + PsiFormat.PointSize))
            SHA256.HashData(chunk.Span);
        var sha = (Process.GetCurrentProcess().TotalProcessorTime - cpu, wall.Elapsed);
        Console.WriteLine($"chunk checks: {parse.Item1.TotalMicroseconds / count:F2} µs CPU per point ({parse.Item2.TotalMicroseconds / count:F2} wall); " +
                          $"SHA-256 of the bodies {sha.Item1.TotalMicroseconds / count:F3} µs CPU per point");
    }

    private static async Task Upload(Silo.Psi.PsiStore store, string owner, byte[] records)
    {
        const int size = PsiFormat.RecordIdSize + PsiFormat.PointSize;
        var upload = await store.CreateUpload(new PsiUpload(Guid.NewGuid(), Partnership, 1, owner, "customers", UploadKind.Add, records.Length / size, 0, 0, null));
        var chunk = 0;
        foreach (var body in Chunks(records, size))
        {
            var (outcome, _) = await store.AddChunk(upload.UploadId, chunk++, body, ChunkItems.Parse(UploadKind.Add, body));
            if (outcome != ChunkOutcome.Accepted) throw new InvalidOperationException($"chunk {chunk - 1}: {outcome}");
        }
        // What is left after the last chunk, which the client waits for with nothing else to do.
        var commit = Stopwatch.StartNew();
        await store.Commit(upload.UploadId);
        Console.WriteLine($"  commit after the last chunk: {commit.Elapsed.TotalMilliseconds:F0} ms");
    }

    private static async Task Tag(ReblindStore reblind, string owner, byte[] tags)
    {
        var index = 0;
        using var points = new MemoryStream();
        while (await reblind.NextRange(Partnership, 1, owner, PsiFormat.MaxChunkRecords) is { } range)
        {
            points.SetLength(0);
            var count = await reblind.WritePoints(Partnership, 1, range, points);
            // The re-blinder's answer: seq ‖ tag per point, in the order the points came.
            var body = new byte[count * PsiFormat.TaskTagSize];
            var sent = points.GetBuffer();
            for (var i = 0; i < count; i++)
            {
                sent.AsSpan(i * PsiFormat.TaskPointSize, PsiFormat.SeqSize).CopyTo(body.AsSpan(i * PsiFormat.TaskTagSize));
                tags.AsSpan(index++ * PsiFormat.TagSize, PsiFormat.TagSize).CopyTo(body.AsSpan(i * PsiFormat.TaskTagSize + PsiFormat.SeqSize));
            }
            await reblind.StoreTags(Partnership, 1, range, body);
        }
        if (index != tags.Length / PsiFormat.TagSize) throw new InvalidOperationException($"tagged {index} records, expected {tags.Length / PsiFormat.TagSize}");
    }

    /// <summary>What each status request asks of the tag store: the untagged records of both sides.</summary>
    private static async Task Statuses(ReblindStore reblind, int times)
    {
        for (var i = 0; i < times; i++)
            foreach (var owner in new[] { Low, High })
                await reblind.Untagged(Partnership, 1, owner);
    }

    private static async Task Measure(string what, PostgresWatch watch, int points, Func<Task> work)
    {
        var process = Process.GetCurrentProcess();
        var (cpu, pg) = (process.TotalProcessorTime, watch.Read(withPss: false).Cpu);
        var wall = Stopwatch.StartNew();
        await work();
        var elapsed = wall.Elapsed;
        process.Refresh();
        var (cpuUsed, pgUsed) = (process.TotalProcessorTime - cpu, watch.Read(withPss: false).Cpu - pg);
        Console.WriteLine($"{what}: {elapsed.TotalSeconds:F2} s wall, {points / elapsed.TotalSeconds:N0} points/s; " +
                          $"CPU: this process {cpuUsed.TotalSeconds:F2} s, PostgreSQL {pgUsed.TotalSeconds:F2} s " +
                          $"({(cpuUsed + pgUsed).TotalMicroseconds / points:F2} µs per point)");
    }

    /// <summary>
    /// The intersection's read of both sides' tag blocks as PostgreSQL runs it, under the settings
    /// the release uses (the join itself is the node's), and a task's point read (the first task).
    /// </summary>
    private static async Task Explain(NpgsqlDataSource db)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        foreach (var setting in MatchStore.Settings)
            await using (var set = new NpgsqlCommand(setting, connection, tx))
                await set.ExecuteNonQueryAsync();
        foreach (var (sql, values, settings) in new[]
                 {
                     (MatchStore.TagBlocks, new object[] { Partnership, 1, Low, High }, Array.Empty<string>()),
                     (ReblindStore.TaskPoints, [Partnership, 1, Low, 1L, (long)PsiFormat.MaxChunkRecords], ReblindStore.TaskSettings),
                 })
        {
            foreach (var setting in settings)
                await using (var set = new NpgsqlCommand(setting, connection, tx))
                    await set.ExecuteNonQueryAsync();
            await using var cmd = new NpgsqlCommand($"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", connection, tx);
            foreach (var value in values) cmd.Parameters.Add(new NpgsqlParameter { Value = value });
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) Console.WriteLine($"  | {reader.GetString(0)}");
        }
    }

    private static async Task Report(NpgsqlDataSource db, PostgresWatch watch)
    {
        await using (var cmd = db.CreateCommand("""
            SELECT relname, pg_size_pretty(pg_table_size(oid)), pg_size_pretty(pg_indexes_size(oid))
              FROM pg_class WHERE relname IN ('psi_points', 'psi_tag_blocks', 'psi_staged', 'psi_match_sets', 'psi_match_blocks') ORDER BY relname
            """))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                Console.WriteLine($"  {reader.GetString(0),-14} table {reader.GetString(1),8}, indexes {reader.GetString(2),8}");
        var process = Process.GetCurrentProcess();
        Console.WriteLine($"memory: this process peak {process.PeakWorkingSet64 / (1 << 20):N0} MiB (the generated points and tags included); " +
                          $"PostgreSQL cluster resident now {PostgresResident(watch.Postmaster) / (1 << 20):N0} MiB (shared buffers counted once per process that touched them)");
    }

    /// <summary>Resident memory of the postmaster and its children, from /proc (an over-count: shared buffers appear in each).</summary>
    private static long PostgresResident(int postmaster)
    {
        long total = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var status = File.ReadAllLines(Path.Combine(dir, "status"));
                var parent = status.FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal));
                if (pid != postmaster && parent?.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1].Trim() != postmaster.ToString(CultureInfo.InvariantCulture)) continue;
                var rss = status.FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (rss is not null) total += long.Parse(rss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return total;
    }
}
