using CoSellNet.Silo.Storage;
using CoSellNet.Testing;
using Npgsql;

namespace CoSellNet.Silo.Tests.Storage;

public sealed class DatabaseCreatorTests
{
    private static async Task<string> ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(await PostgresServer.AdminConnectionStringAsync()) { Database = database }.ConnectionString;

    [Fact]
    public async Task Creates_a_missing_database_once()
    {
        var cs = await ConnectionStringFor(PostgresServer.UniqueName("creator"));

        Assert.True(await DatabaseCreator.EnsureDatabaseAsync(cs));
        Assert.False(await DatabaseCreator.EnsureDatabaseAsync(cs));

        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        Assert.Equal(new NpgsqlConnectionStringBuilder(cs).Database, connection.Database);
    }

    [Fact]
    public async Task Nodes_creating_the_same_database_at_once_all_succeed()
    {
        var cs = await ConnectionStringFor(PostgresServer.UniqueName("creator_race"));

        var created = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => DatabaseCreator.EnsureDatabaseAsync(cs))));

        Assert.InRange(created.Count(c => c), 1, 1);
    }

    [Fact]
    public async Task Names_that_need_quoting_work()
    {
        var cs = await ConnectionStringFor("Odd \"name\" " + Guid.NewGuid().ToString("N")[..8]);
        Assert.True(await DatabaseCreator.EnsureDatabaseAsync(cs));
        Assert.False(await DatabaseCreator.EnsureDatabaseAsync(cs));
    }

    [Fact]
    public async Task A_connection_string_without_a_database_is_refused_clearly()
    {
        var cs = new NpgsqlConnectionStringBuilder(await PostgresServer.AdminConnectionStringAsync()) { Database = null }.ConnectionString;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => DatabaseCreator.EnsureDatabaseAsync(cs));
        Assert.Contains("Database=", error.Message);
    }
}

/// <summary>The shared fixture, as test classes use it.</summary>
public sealed class PostgresDatabaseFixtureTests(PostgresDatabaseFixture fixture) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Gives_a_migrated_database_of_its_own()
    {
        Assert.StartsWith("fixture_", new NpgsqlConnectionStringBuilder(fixture.ConnectionString).Database);
        var applied = await SchemaMigrator.ReadAppliedAsync(fixture.DataSource);
        Assert.Equal(SchemaMigrator.Scripts.Count, applied.Count);
        Assert.Empty(await SchemaMigrator.ApplyAsync(fixture.DataSource));
    }

    [Theory]
    [InlineData("grains", "grains_")]
    [InlineData("e2e-cluster", "e2e_cluster_")]
    [InlineData("1st", "db_1st_")]
    [InlineData(null, "test_")]
    [InlineData("Ünïcode Name!", "n_code_name_")]
    public void Database_names_are_safe_and_unique(string? prefix, string expectedStart)
    {
        var a = PostgresServer.UniqueName(prefix);
        var b = PostgresServer.UniqueName(prefix);
        Assert.NotEqual(a, b);
        Assert.Matches("^[a-z][a-z0-9_]{0,62}$", a);
        Assert.StartsWith(expectedStart, a);
    }
}
