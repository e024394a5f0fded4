using System.Text.Json;
using CoSellNet.Protocol;
using Npgsql;
using NpgsqlTypes;

namespace CoSellNet.Silo.Feed;

/// <summary>Partners' feeds in PostgreSQL (<c>partner_feed</c>): appended by FeedGrain, read by REST and the hub.</summary>
public sealed class FeedStore(NpgsqlDataSource db)
{
    public const int MaxPage = 1000;

    public async Task<long> LastSequence(string partner)
    {
        await using var cmd = db.CreateCommand("SELECT coalesce(max(seq), 0) FROM partner_feed WHERE partner = $1");
        cmd.Parameters.Add(new() { Value = partner });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    public async Task Append(string partner, FeedEvent e)
    {
        await using var cmd = db.CreateCommand("INSERT INTO partner_feed (partner, seq, type, at, counterpart, room, data) VALUES ($1, $2, $3, $4, $5, $6, $7)");
        cmd.Parameters.Add(new() { Value = partner });
        cmd.Parameters.Add(new() { Value = e.Sequence });
        cmd.Parameters.Add(new() { Value = e.Type });
        cmd.Parameters.Add(new() { Value = e.At });
        cmd.Parameters.Add(new() { Value = (object?)e.Partner ?? DBNull.Value });
        cmd.Parameters.Add(new() { Value = (object?)e.Room ?? DBNull.Value });
        cmd.Parameters.Add(new() { Value = e.Data is { } data ? data.GetRawText() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Up to <paramref name="limit"/> events after <paramref name="after"/>, in order, optionally of some types only.</summary>
    public async Task<FeedPage> Read(string partner, long after, int limit, IReadOnlyCollection<string>? types = null, CancellationToken ct = default)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        await using var cmd = db.CreateCommand("""
            SELECT seq, type, at, counterpart, room, data::text FROM partner_feed
             WHERE partner = $1 AND seq > $2 AND ($4::text[] IS NULL OR type = ANY($4))
             ORDER BY seq LIMIT $3
            """);
        cmd.Parameters.Add(new() { Value = partner });
        cmd.Parameters.Add(new() { Value = after });
        cmd.Parameters.Add(new() { Value = limit + 1 });
        cmd.Parameters.Add(new() { Value = types is { Count: > 0 } ? types.ToArray() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var items = new List<FeedEvent>();
        while (await reader.ReadAsync(ct))
            items.Add(new FeedEvent(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : JsonDocument.Parse(reader.GetString(5)).RootElement.Clone()));
        var more = items.Count > limit;
        if (more) items.RemoveAt(items.Count - 1);
        return new FeedPage(items, items.Count > 0 ? items[^1].Sequence : after, more);
    }
}
