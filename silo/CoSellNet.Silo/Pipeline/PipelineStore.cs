using System.Text.Json;
using CoSellNet.Protocol;
using Npgsql;
using NpgsqlTypes;

namespace CoSellNet.Silo.Pipeline;

/// <summary>Room facts and partner costs of vendors' pipelines in PostgreSQL.</summary>
public sealed class PipelineStore(NpgsqlDataSource db)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<List<RoomFacts>> Rooms(string vendor)
    {
        await using var cmd = db.CreateCommand("SELECT facts::text FROM pipeline_rooms WHERE vendor = $1");
        cmd.Parameters.Add(new() { Value = vendor });
        await using var reader = await cmd.ExecuteReaderAsync();
        var list = new List<RoomFacts>();
        while (await reader.ReadAsync()) list.Add(JsonSerializer.Deserialize<RoomFacts>(reader.GetString(0), Json)!);
        return list;
    }

    public async Task SaveRoom(RoomFacts facts, DateTimeOffset at)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO pipeline_rooms (vendor, room, facts, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (vendor, room) DO UPDATE SET facts = excluded.facts, updated_at = excluded.updated_at
            """);
        cmd.Parameters.Add(new() { Value = facts.VendorId });
        cmd.Parameters.Add(new() { Value = facts.RoomId });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(facts, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new() { Value = at });
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task AddCost(string vendor, PartnerCost cost)
    {
        await using var cmd = db.CreateCommand("INSERT INTO pipeline_costs (vendor, id, partner, kind, amount, currency, date, note, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
        foreach (var value in new object[] { vendor, cost.Id, cost.PartnerId, cost.Kind, cost.Amount, cost.Currency, cost.Date, (object?)cost.Note ?? DBNull.Value, cost.RecordedAt })
            cmd.Parameters.Add(new() { Value = value });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Costs in date order then id, after a (date, id) cursor.</summary>
    public async Task<List<PartnerCost>> Costs(string vendor, (DateOnly Date, string Id)? after = null, int limit = int.MaxValue)
    {
        await using var cmd = db.CreateCommand("""
            SELECT id, partner, kind, amount, currency, date, note, recorded_at FROM pipeline_costs
             WHERE vendor = $1 AND ($2::date IS NULL OR (date, id) > ($2, $3))
             ORDER BY date, id LIMIT $4
            """);
        cmd.Parameters.Add(new() { Value = vendor });
        cmd.Parameters.Add(new() { Value = after is { } a ? a.Date : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
        cmd.Parameters.Add(new() { Value = after is { } b ? b.Id : "" });
        cmd.Parameters.Add(new() { Value = limit == int.MaxValue ? (object)DBNull.Value : limit, NpgsqlDbType = NpgsqlDbType.Integer });
        await using var reader = await cmd.ExecuteReaderAsync();
        var list = new List<PartnerCost>();
        while (await reader.ReadAsync())
            list.Add(new PartnerCost(reader.GetString(0), reader.GetString(1), reader.GetString(2), CurrencyRules.Normalized(reader.GetDecimal(3)), reader.GetString(4),
                reader.GetFieldValue<DateOnly>(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7)));
        return list;
    }
}
