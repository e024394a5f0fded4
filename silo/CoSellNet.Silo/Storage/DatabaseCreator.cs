using System.Diagnostics;
using Npgsql;

namespace CoSellNet.Silo.Storage;

/// <summary>Creates the database a connection string names, if it does not exist yet.</summary>
public static class DatabaseCreator
{
    /// <summary>
    /// Makes sure the database named by <paramref name="connectionString"/> exists; returns true if
    /// this call created it. Connecting to the database itself comes first, so a role that may not
    /// create databases (an external, pre-provisioned PostgreSQL) never needs that right. When the
    /// database is missing, it is created from the maintenance database (<c>postgres</c>, else
    /// <c>template1</c>). Safe when several nodes start at once.
    /// </summary>
    public static async Task<bool> EnsureDatabaseAsync(string connectionString, CancellationToken ct = default)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        var database = target.Database;
        if (string.IsNullOrEmpty(database))
            throw new InvalidOperationException("The connection string names no database (add Database=...).");

        try
        {
            await using var probe = new NpgsqlConnection(target.ConnectionString);
            await probe.OpenAsync(ct);
            return false;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            // 3D000: the database does not exist. Create it below.
        }

        await using var admin = await OpenMaintenanceAsync(target, ct);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(database)}", admin);
        try
        {
            await create.ExecuteNonQueryAsync(ct);
            return true;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            return false; // another node created it first
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new InvalidOperationException(
                $"Database \"{database}\" does not exist and role \"{target.Username}\" may not create it. " +
                $"Create it first (CREATE DATABASE \"{database}\" OWNER \"{target.Username}\") or grant CREATEDB.", e);
        }
    }

    /// <summary>Quotes a PostgreSQL identifier.</summary>
    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task<NpgsqlConnection> OpenMaintenanceAsync(NpgsqlConnectionStringBuilder target, CancellationToken ct)
    {
        foreach (var maintenance in new[] { "postgres", "template1" })
        {
            var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = maintenance, Pooling = false }.ConnectionString);
            try
            {
                await admin.OpenAsync(ct);
                return admin;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName && maintenance == "postgres")
            {
                await admin.DisposeAsync();
            }
            catch
            {
                await admin.DisposeAsync();
                throw;
            }
        }
        throw new UnreachableException();
    }
}
