using CoSellNet.Silo.Storage;
using CoSellNet.Testing;
using Npgsql;
using NpgsqlTypes;

namespace CoSellNet.Silo.Tests.Storage;

/// <summary>The COPY rows <see cref="BinaryCopyBuffer"/> formats against Npgsql's own importer: the same rows, byte for byte.</summary>
public sealed class BinaryCopyBufferTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private const string Columns = "(n int, id bytea, seq bigint, population text, u uuid, payload bytea)";

    private sealed record Row(int N, byte[] Id, long Seq, string Population, Guid U, byte[]? Payload);

    /// <summary>
    /// Edge values of every type, and enough rows that the buffer grows from nothing several times;
    /// in the order of <see cref="Row.N"/>, the order they are read back in.
    /// </summary>
    private static List<Row> Rows()
    {
        var random = new Random(5);
        var rows = new List<Row>
        {
            new(int.MinValue, [], long.MinValue, "", Guid.Empty, null),
            new(int.MaxValue, [0, 0xff], long.MaxValue, "Kunden – Übersee 顧客 🚀", Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), []),
            new(-1, [0x5c, 0x30], -1, "customers", Guid.NewGuid(), [0]),
        };
        for (var i = 0; i < 5_000; i++)
        {
            var id = new byte[16];
            random.NextBytes(id);
            var payload = i % 7 == 0 ? null : new byte[random.Next(0, 300)];
            if (payload is not null) random.NextBytes(payload);
            rows.Add(new Row(i, id, random.NextInt64(), i % 3 == 0 ? "prospects" : "customers", Guid.NewGuid(), payload));
        }
        return [.. rows.OrderBy(r => r.N)];
    }

    [Fact]
    public async Task Rows_arrive_as_the_npgsql_importer_writes_them()
    {
        var table = "copy_" + Guid.NewGuid().ToString("N")[..12];
        var rows = Rows();
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand($"CREATE TABLE {table}_importer {Columns}; CREATE TABLE {table}_buffer {Columns}", connection))
            await create.ExecuteNonQueryAsync();

        await using (var importer = await connection.BeginBinaryImportAsync($"COPY {table}_importer FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var row in rows)
            {
                await importer.StartRowAsync();
                await importer.WriteAsync(row.N, NpgsqlDbType.Integer);
                await importer.WriteAsync(row.Id, NpgsqlDbType.Bytea);
                await importer.WriteAsync(row.Seq, NpgsqlDbType.Bigint);
                await importer.WriteAsync(row.Population, NpgsqlDbType.Text);
                await importer.WriteAsync(row.U, NpgsqlDbType.Uuid);
                if (row.Payload is null) await importer.WriteNullAsync();
                else await importer.WriteAsync(row.Payload, NpgsqlDbType.Bytea);
            }
            await importer.CompleteAsync();
        }
        using var buffer = new BinaryCopyBuffer(0);
        foreach (var row in rows)
        {
            buffer.StartRow(6);
            buffer.WriteInt32(row.N);
            buffer.WriteBytes(row.Id);
            buffer.WriteInt64(row.Seq);
            buffer.WriteText(row.Population);
            buffer.WriteUuid(row.U);
            if (row.Payload is null) buffer.WriteNull();
            else buffer.WriteBytes(row.Payload);
        }
        await buffer.CopyTo(connection, $"COPY {table}_buffer FROM STDIN (FORMAT BINARY)", CancellationToken.None);

        var fromImporter = await CopyOut(connection, $"{table}_importer");
        Assert.Equal(fromImporter, await CopyOut(connection, $"{table}_buffer"));
        // PostgreSQL writes the rows back (in the order they were sent) in the format they were sent in: the buffer's bytes are that output.
        Assert.Equal(fromImporter, buffer.Written.ToArray());
        await using var differ = new NpgsqlCommand($"SELECT count(*) FROM (SELECT * FROM {table}_importer EXCEPT ALL SELECT * FROM {table}_buffer) d", connection);
        Assert.Equal(0L, await differ.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_failed_copy_surfaces_postgres_error_and_the_buffer_can_be_sent_again()
    {
        var table = "copy_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand($"CREATE TABLE {table} (n int PRIMARY KEY); CREATE TABLE {table}_loose (n int)", connection))
            await create.ExecuteNonQueryAsync();
        using var buffer = new BinaryCopyBuffer(16);
        foreach (var n in new[] { 1, 2, 1 })
        {
            buffer.StartRow(1);
            buffer.WriteInt32(n);
        }

        var error = await Assert.ThrowsAsync<PostgresException>(() => buffer.CopyTo(connection, $"COPY {table} FROM STDIN (FORMAT BINARY)", CancellationToken.None));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
        await buffer.CopyTo(connection, $"COPY {table}_loose FROM STDIN (FORMAT BINARY)", CancellationToken.None);

        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}_loose", connection);
        Assert.Equal(3L, await count.ExecuteScalarAsync());
        Assert.Throws<InvalidOperationException>(() => buffer.StartRow(1));
    }

    private static async Task<byte[]> CopyOut(NpgsqlConnection connection, string table)
    {
        using var bytes = new MemoryStream();
        await using (var stream = await connection.BeginRawBinaryCopyAsync($"COPY (SELECT * FROM {table} ORDER BY n) TO STDOUT (FORMAT BINARY)"))
            await stream.CopyToAsync(bytes);
        return bytes.ToArray();
    }
}
