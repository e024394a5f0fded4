using CoSellNet.Protocol;
using Npgsql;
using NpgsqlTypes;

namespace CoSellNet.Silo.Rooms;

/// <summary>
/// Rooms in PostgreSQL: messages (<c>room_messages</c>) and history (<c>room_history</c>), written by the room's grain only, the
/// index of who is in which room (<c>room_members</c>), and the check that an overlap is one the
/// opener may see (a released match set, read through <see cref="Psi.MatchStore"/>).
/// </summary>
public sealed class RoomStore(NpgsqlDataSource db)
{
    public async Task<long> LastMessage(string room)
    {
        await using var cmd = db.CreateCommand("SELECT coalesce(max(seq), 0) FROM room_messages WHERE room = $1");
        cmd.Parameters.Add(new() { Value = room });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    public async Task AppendMessage(string room, RoomMessage message)
    {
        await using var cmd = db.CreateCommand("INSERT INTO room_messages (room, seq, author, at, body) VALUES ($1, $2, $3, $4, $5)");
        cmd.Parameters.Add(new() { Value = room });
        cmd.Parameters.Add(new() { Value = message.Sequence });
        cmd.Parameters.Add(new() { Value = message.PartnerId });
        cmd.Parameters.Add(new() { Value = message.At });
        cmd.Parameters.Add(new() { Value = message.Text });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Up to <paramref name="limit"/> messages after sequence <paramref name="after"/>, in order.</summary>
    public Task<IReadOnlyList<RoomMessage>> Messages(string room, long after, int limit) =>
        ReadMessages("SELECT seq, author, at, body FROM room_messages WHERE room = $1 AND seq > $2 ORDER BY seq LIMIT $3", room, after, limit);

    /// <summary>Up to <paramref name="limit"/> messages just before sequence <paramref name="before"/>, oldest first.</summary>
    public Task<IReadOnlyList<RoomMessage>> MessagesBefore(string room, long before, int limit) =>
        ReadMessages("""
            SELECT seq, author, at, body FROM
              (SELECT seq, author, at, body FROM room_messages WHERE room = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3) AS latest
             ORDER BY seq
            """, room, before, limit);

    private async Task<IReadOnlyList<RoomMessage>> ReadMessages(string sql, string room, long sequence, int limit)
    {
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new() { Value = room });
        cmd.Parameters.Add(new() { Value = sequence });
        cmd.Parameters.Add(new() { Value = limit });
        await using var reader = await cmd.ExecuteReaderAsync();
        var items = new List<RoomMessage>();
        while (await reader.ReadAsync())
            items.Add(new RoomMessage(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3)));
        return items;
    }

    /// <summary>Writes history entries (again, harmlessly, if some were written before).</summary>
    public async Task AppendChanges(string room, IReadOnlyList<RoomChangeRecord> changes)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO room_history (room, seq, action, by_partner, at, detail, private_detail)
            SELECT $1, s, a, b, t, d, p FROM unnest($2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[]) AS c(s, a, b, t, d, p)
            ON CONFLICT (room, seq) DO NOTHING
            """);
        cmd.Parameters.Add(new() { Value = room });
        cmd.Parameters.Add(new() { Value = changes.Select(c => c.Sequence).ToArray() });
        cmd.Parameters.Add(new() { Value = changes.Select(c => c.Action).ToArray() });
        cmd.Parameters.Add(new() { Value = changes.Select(c => c.ByPartner).ToArray() });
        cmd.Parameters.Add(new() { Value = changes.Select(c => c.At).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = changes.Select(c => c.Detail).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = changes.Select(c => c.PrivateDetail).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Stored history entries with <paramref name="after"/> &lt; sequence &lt; <paramref name="below"/>:
    /// the first <paramref name="limit"/> of them, or with <paramref name="latest"/> the last; oldest first either way.
    /// </summary>
    public async Task<IReadOnlyList<RoomChangeRecord>> Changes(string room, long after, long below, int limit, bool latest = false)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT seq, action, by_partner, at, detail, private_detail FROM
              (SELECT * FROM room_history WHERE room = $1 AND seq > $2 AND seq < $3 ORDER BY seq {(latest ? "DESC" : "")} LIMIT $4) AS page
             ORDER BY seq
            """);
        cmd.Parameters.Add(new() { Value = room });
        cmd.Parameters.Add(new() { Value = after });
        cmd.Parameters.Add(new() { Value = below });
        cmd.Parameters.Add(new() { Value = limit });
        await using var reader = await cmd.ExecuteReaderAsync();
        var items = new List<RoomChangeRecord>();
        while (await reader.ReadAsync())
            items.Add(new RoomChangeRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        return items;
    }

    /// <summary>Writes every member's row of the room (the room's grain calls this after each membership change).</summary>
    public async Task SyncMembers(string room, IReadOnlyList<MemberState> members, DateTimeOffset at)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO room_members (partner, room, role, status, updated_at)
            SELECT p, $1, r, s, $5 FROM unnest($2::text[], $3::text[], $4::text[]) AS m(p, r, s)
            ON CONFLICT (partner, room) DO UPDATE SET role = excluded.role, status = excluded.status, updated_at = excluded.updated_at
            """);
        cmd.Parameters.Add(new() { Value = room });
        cmd.Parameters.Add(new() { Value = members.Select(m => m.PartnerId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = members.Select(m => RoomRules.Name(m.Role)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = members.Select(m => RoomRules.Name(m.Status)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = at });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Ids of the rooms <paramref name="partner"/> is in or invited to, after <paramref name="after"/> in id order.</summary>
    public async Task<IReadOnlyList<string>> RoomsOf(string partner, string? after, int limit)
    {
        await using var cmd = db.CreateCommand("""
            SELECT room FROM room_members
             WHERE partner = $1 AND status IN ('invited', 'accepted') AND ($2::text IS NULL OR room > $2)
             ORDER BY room LIMIT $3
            """);
        cmd.Parameters.Add(new() { Value = partner });
        cmd.Parameters.Add(new() { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = limit });
        await using var reader = await cmd.ExecuteReaderAsync();
        var rooms = new List<string>();
        while (await reader.ReadAsync()) rooms.Add(reader.GetString(0));
        return rooms;
    }

    /// <summary>
    /// Whether <paramref name="record"/> of the low or high side matched, in the released result of
    /// that epoch, a counterpart record in one of <paramref name="theirPopulations"/> (those the
    /// counterpart shares with the side at level overlaps or above).
    /// </summary>
    public Task<bool> IsVisibleMatch(string partnership, int epoch, bool lowSide, byte[] record, string[] theirPopulations) =>
        // Released sets are packed blocks that only the match store decodes.
        new Psi.MatchStore(db).IsVisibleMatch(partnership, epoch, lowSide, record, theirPopulations);
}
