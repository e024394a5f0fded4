using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CoSellNet.Silo.Storage;

/// <summary>
/// Applies the database schema: first the vendored Orleans scripts, then the project's numbered
/// migrations, each once, each in its own transaction together with its record in
/// <c>cosellnet_schema_migrations</c>. An advisory lock serializes nodes that start together, and
/// a script whose text changed after it was applied is refused rather than silently skipped.
/// </summary>
public static class SchemaMigrator
{
    private const long AdvisoryLock = 0x436f53656c6c4e; // "CoSellN"
    private static readonly string[] OrleansOrder = ["Main", "Clustering", "Persistence", "Reminders"];

    /// <summary>The scripts in the order they apply: (id, SQL).</summary>
    public static IReadOnlyList<(string Id, string Sql)> Scripts { get; } = Load();

    /// <summary>Applies what is not yet applied and returns the ids it applied.</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(NpgsqlDataSource db, ILogger? log = null, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await Execute(connection, $"SELECT pg_advisory_lock({AdvisoryLock})", ct);
        try
        {
            await Execute(connection, """
                CREATE TABLE IF NOT EXISTS cosellnet_schema_migrations (
                    id text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, ct);
            var applied = new Dictionary<string, string>();
            await using (var cmd = new NpgsqlCommand("SELECT id, sha256 FROM cosellnet_schema_migrations", connection))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) applied[reader.GetString(0)] = reader.GetString(1);

            var done = new List<string>();
            foreach (var (id, sql) in Scripts)
            {
                var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
                if (applied.TryGetValue(id, out var recorded))
                {
                    if (recorded != sha)
                        throw new InvalidOperationException(
                            $"Migration {id} was changed after it was applied to this database. Never edit an applied migration: restore it and add a new numbered one.");
                    continue;
                }
                await using var tx = await connection.BeginTransactionAsync(ct);
                await using (var run = new NpgsqlCommand(sql, connection, tx)) await run.ExecuteNonQueryAsync(ct);
                await using (var record = new NpgsqlCommand("INSERT INTO cosellnet_schema_migrations (id, sha256) VALUES ($1, $2)", connection, tx))
                {
                    record.Parameters.Add(new() { Value = id });
                    record.Parameters.Add(new() { Value = sha });
                    await record.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
                log?.LogInformation("Applied schema migration {Migration}", id);
                done.Add(id);
            }
            return done;
        }
        finally
        {
            await Execute(connection, $"SELECT pg_advisory_unlock({AdvisoryLock})", CancellationToken.None);
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static List<(string, string)> Load()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var names = assembly.GetManifestResourceNames();
        string Read(string name)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            return new StreamReader(stream, Encoding.UTF8).ReadToEnd();
        }
        var orleans = OrleansOrder.Select(part => names.Single(n => n.EndsWith($"orleans.PostgreSQL-{part}.sql", StringComparison.Ordinal)));
        var own = names.Where(n => n.Contains(".migrations.", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        return [.. orleans.Concat(own).Select(n => (Id(n), Read(n)))];
    }

    /// <summary>"CoSellNet.Sql.migrations.0001_partner_directory.sql" → "migrations/0001_partner_directory".</summary>
    private static string Id(string resource)
    {
        var name = resource["CoSellNet.Sql.".Length..^".sql".Length];
        var dot = name.IndexOf('.');
        return $"{name[..dot]}/{name[(dot + 1)..]}";
    }
}
