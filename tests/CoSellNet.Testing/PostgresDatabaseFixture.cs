using Npgsql;
using Xunit;

namespace CoSellNet.Testing;

/// <summary>
/// An xunit fixture (class or collection) that owns one fresh database on the process's
/// throwaway PostgreSQL, with the full schema applied, and drops it afterwards.
/// Derive from it to change the name prefix or to skip the schema.
/// </summary>
public class PostgresDatabaseFixture : IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;

    /// <summary>Prefix of the database name, to tell databases apart when looking at the cluster.</summary>
    protected virtual string Prefix => "fixture";

    /// <summary>Whether to apply the schema (Orleans scripts and migrations); false gives an empty database.</summary>
    protected virtual bool ApplySchema => true;

    public string ConnectionString { get; private set; } = "";

    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("The fixture is not initialized.");

    public virtual async Task InitializeAsync()
    {
        ConnectionString = ApplySchema
            ? await PostgresServer.CreateDatabaseAsync(Prefix)
            : await PostgresServer.CreateEmptyDatabaseAsync(Prefix);
        _dataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public virtual async Task DisposeAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
        if (ConnectionString.Length > 0)
        {
            try { await PostgresServer.DropDatabaseAsync(ConnectionString); }
            catch (NpgsqlException) { /* the cluster goes away with the process anyway */ }
        }
    }
}
