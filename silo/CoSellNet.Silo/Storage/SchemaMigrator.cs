using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CoSellNet.Silo.Storage;

/// <summary>One schema script: its id (<c>orleans/PostgreSQL-Main</c>, <c>migrations/0001_partner_directory</c>) and SQL.</summary>
public sealed record SchemaScript(string Id, string Sql)
{
    /// <summary>SHA-256 (hex) of the SQL with line endings normalized to LF, so a Windows checkout hashes the same.</summary>
    public string Sha256 { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));
}

/// <summary>The schema cannot be brought up to date: a changed script, a failing script, a bad script set.</summary>
public sealed class SchemaMigrationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Applies the database schema: first the vendored Orleans scripts (Main, Clustering, Persistence,
/// Reminders), then the project's numbered migrations in numeric order. Each script runs once, in
/// its own transaction together with its row in <c>cosellnet_schema_migrations</c>, so a script
/// either applies completely and is recorded or leaves no trace. A session advisory lock
/// serializes nodes that start at the same time. A script whose text changed after it was applied
/// is refused: applied migrations are immutable, changes go in a new numbered one.
/// </summary>
/// <remarks>
/// The scripts are embedded in this assembly from <c>deploy/sql/orleans/*.sql</c> and
/// <c>deploy/sql/migrations/NNNN_name.sql</c> (see CoSellNet.Silo.csproj), so a node carries the
/// schema it needs and needs no files beside it.
/// </remarks>
public static partial class SchemaMigrator
{
    /// <summary>The table that records applied scripts.</summary>
    public const string HistoryTable = "cosellnet_schema_migrations";

    /// <summary>Key of the session advisory lock held while migrating ("CoSellN" in ASCII).</summary>
    public const long AdvisoryLockKey = 0x436f53656c6c4e;

    private const string ResourcePrefix = "CoSellNet.Sql.";
    private static readonly string[] OrleansOrder = ["Main", "Clustering", "Persistence", "Reminders"];
    private static readonly Lazy<IReadOnlyList<SchemaScript>> Embedded = new(Load);

    /// <summary>The embedded scripts, in the order they apply.</summary>
    public static IReadOnlyList<SchemaScript> Scripts => Embedded.Value;

    /// <summary>Applies the embedded scripts that are not applied yet; returns the ids it applied, in order.</summary>
    public static Task<IReadOnlyList<string>> ApplyAsync(NpgsqlDataSource db, ILogger? log = null, CancellationToken ct = default) =>
        ApplyAsync(db, Scripts, log, ct);

    /// <summary>Applies the given scripts (in the given order) that are not applied yet; returns the ids it applied.</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(NpgsqlDataSource db, IReadOnlyList<SchemaScript> scripts, ILogger? log = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(scripts);
        if (scripts.GroupBy(s => s.Id).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            throw new SchemaMigrationException($"Schema script id '{duplicate.Key}' appears twice.");

        await using var connection = await db.OpenConnectionAsync(ct);
        await LockAsync(connection, log, ct);
        try
        {
            await ExecuteAsync(connection, null, $"""
                CREATE TABLE IF NOT EXISTS {HistoryTable} (
                    id         text        PRIMARY KEY,
                    sha256     text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, ct);
            var applied = await ReadAppliedAsync(connection, ct);

            // Refuse before changing anything if an applied script differs from ours.
            foreach (var script in scripts)
                if (applied.TryGetValue(script.Id, out var recorded) && !string.Equals(recorded, script.Sha256, StringComparison.OrdinalIgnoreCase))
                    throw new SchemaMigrationException(
                        $"Schema script {script.Id} was changed after it was applied to this database (recorded sha256 {recorded}, " +
                        $"this build has {script.Sha256}). Applied scripts must never change: restore the original text and put " +
                        "the change in a new numbered migration under deploy/sql/migrations/.");

            var known = scripts.Select(s => s.Id).ToHashSet();
            var unknown = applied.Keys.Where(id => !known.Contains(id)).Order(StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
                log?.LogWarning("The database has schema scripts this build does not know (applied by a newer version?): {Scripts}", string.Join(", ", unknown));

            var done = new List<string>();
            foreach (var script in scripts.Where(s => !applied.ContainsKey(s.Id)))
            {
                var watch = Stopwatch.StartNew();
                await using (var tx = await connection.BeginTransactionAsync(ct))
                {
                    try
                    {
                        await ExecuteAsync(connection, tx, script.Sql, ct);
                    }
                    catch (PostgresException e)
                    {
                        throw new SchemaMigrationException(
                            $"Schema script {script.Id} failed and was rolled back: {e.SqlState} {e.MessageText}" +
                            (e.Position > 0 ? $" (at character {e.Position})" : "") +
                            (e.SqlState == PostgresErrorCodes.DuplicateTable || e.SqlState == PostgresErrorCodes.DuplicateFunction
                                ? $". The object already exists but {HistoryTable} has no record of {script.Id}: was the schema created by hand? Use an empty database."
                                : "."),
                            e);
                    }
                    await using (var record = new NpgsqlCommand($"INSERT INTO {HistoryTable} (id, sha256, applied_at) VALUES ($1, $2, now())", connection, tx))
                    {
                        record.Parameters.Add(new() { Value = script.Id });
                        record.Parameters.Add(new() { Value = script.Sha256 });
                        await record.ExecuteNonQueryAsync(ct);
                    }
                    await tx.CommitAsync(ct);
                }
                log?.LogInformation("Applied schema script {Script} in {Milliseconds} ms", script.Id, watch.ElapsedMilliseconds);
                done.Add(script.Id);
            }
            return done;
        }
        finally
        {
            await UnlockAsync(connection);
        }
    }

    /// <summary>The scripts recorded as applied in a database, with their checksums (empty if none).</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadAppliedAsync(NpgsqlDataSource db, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection);
        exists.Parameters.Add(new() { Value = HistoryTable });
        if (await exists.ExecuteScalarAsync(ct) is not true) return new Dictionary<string, string>();
        return await ReadAppliedAsync(connection, ct);
    }

    private static async Task<Dictionary<string, string>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand($"SELECT id, sha256 FROM {HistoryTable}", connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) applied[reader.GetString(0)] = reader.GetString(1);
        return applied;
    }

    private static async Task LockAsync(NpgsqlConnection connection, ILogger? log, CancellationToken ct)
    {
        await using var attempt = new NpgsqlCommand($"SELECT pg_try_advisory_lock({AdvisoryLockKey})", connection);
        if (await attempt.ExecuteScalarAsync(ct) is true) return;
        log?.LogInformation("Waiting for another node to finish migrating the schema");
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({AdvisoryLockKey})", ct);
    }

    private static async Task UnlockAsync(NpgsqlConnection connection)
    {
        try
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection is broken, and the server released the session lock with it.
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken ct)
    {
        // No command timeout: waiting for another node's migration, or a long index build, is not
        // an error; the caller's cancellation token bounds the wait.
        await using var cmd = new NpgsqlCommand(sql, connection, tx) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static List<SchemaScript> Load()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).ToList();
        SchemaScript Read(string resource, string id)
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return new SchemaScript(id, reader.ReadToEnd());
        }

        var scripts = new List<SchemaScript>();
        foreach (var part in OrleansOrder)
        {
            var resource = $"{ResourcePrefix}orleans.PostgreSQL-{part}.sql";
            if (!names.Contains(resource))
                throw new SchemaMigrationException($"The Orleans script deploy/sql/orleans/PostgreSQL-{part}.sql is not embedded in {assembly.GetName().Name}.");
            scripts.Add(Read(resource, $"orleans/PostgreSQL-{part}"));
        }

        var migrations = new List<(long Number, string Name, string Resource)>();
        foreach (var resource in names.Where(n => n.StartsWith(ResourcePrefix + "migrations.", StringComparison.Ordinal)))
        {
            var name = resource[(ResourcePrefix.Length + "migrations.".Length)..];
            var match = MigrationName().Match(name);
            if (!match.Success)
                throw new SchemaMigrationException($"Migration file deploy/sql/migrations/{name} is not named NNNN_name.sql (digits, underscore, lower-case name).");
            migrations.Add((long.Parse(match.Groups["number"].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups["id"].Value, resource));
        }
        if (migrations.GroupBy(m => m.Number).FirstOrDefault(g => g.Count() > 1) is { } clash)
            throw new SchemaMigrationException($"Two migrations share the number {clash.Key}: {string.Join(", ", clash.Select(m => m.Name))}. Renumber one.");
        foreach (var (_, name, resource) in migrations.OrderBy(m => m.Number))
            scripts.Add(Read(resource, $"migrations/{name}"));
        return scripts;
    }

    [GeneratedRegex(@"^(?<id>(?<number>[0-9]{4,})_[a-z0-9_]+)\.sql$")]
    private static partial Regex MigrationName();
}
