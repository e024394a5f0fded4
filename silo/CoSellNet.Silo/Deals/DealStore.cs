using System.Text.Json;
using CoSellNet.Protocol;
using CoSellNet.Silo.Feed;
using Npgsql;
using NpgsqlTypes;

namespace CoSellNet.Silo.Deals;

/// <summary>Where a registration is, by id.</summary>
public sealed record RegistrationRow(string Id, string VendorId, string Domain, string PartnerId, string RoomId);

/// <summary>
/// The read model of deal registrations (<c>deal_registrations</c>): each registration as its
/// protection grain last wrote it, for lists by vendor and by registering partner, and to find a
/// registration's grain from its id.
/// </summary>
public sealed class DealStore(NpgsqlDataSource db)
{
    public async Task Upsert(IEnumerable<DealRegistration> registrations, DateTimeOffset at)
    {
        await using var batch = db.CreateBatch();
        foreach (var r in registrations)
        {
            var command = new NpgsqlBatchCommand("""
                INSERT INTO deal_registrations (id, vendor, partner, room, account, status, updated_at, registration)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, registration = excluded.registration
                """);
            command.Parameters.Add(new() { Value = r.Id });
            command.Parameters.Add(new() { Value = r.VendorId });
            command.Parameters.Add(new() { Value = r.PartnerId });
            command.Parameters.Add(new() { Value = r.RoomId });
            command.Parameters.Add(new() { Value = r.Account.Domain });
            command.Parameters.Add(new() { Value = JsonSerializer.Serialize(r.Status).Trim('"') });
            command.Parameters.Add(new() { Value = at });
            command.Parameters.Add(new() { Value = JsonSerializer.Serialize(r, FeedJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
            batch.BatchCommands.Add(command);
        }
        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync();
    }

    public async Task<RegistrationRow?> Find(string id)
    {
        await using var cmd = db.CreateCommand("SELECT vendor, account, partner, room FROM deal_registrations WHERE id = $1");
        cmd.Parameters.Add(new() { Value = id });
        await using var reader = await cmd.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new RegistrationRow(id, reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3))
            : null;
    }

    /// <summary>Registrations with a vendor (optionally in one status), after <paramref name="after"/> in id order.</summary>
    public Task<IReadOnlyList<DealRegistration>> ForVendor(string vendor, RegistrationStatus? status, string? after, int limit) =>
        List("vendor", vendor, status, after, limit);

    /// <summary>Registrations a partner made, after <paramref name="after"/> in id order.</summary>
    public Task<IReadOnlyList<DealRegistration>> ForPartner(string partner, RegistrationStatus? status, string? after, int limit) =>
        List("partner", partner, status, after, limit);

    private async Task<IReadOnlyList<DealRegistration>> List(string column, string value, RegistrationStatus? status, string? after, int limit)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT registration::text FROM deal_registrations
             WHERE {column} = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR id > $3)
             ORDER BY id LIMIT $4
            """);
        cmd.Parameters.Add(new() { Value = value });
        cmd.Parameters.Add(new() { Value = status is { } s ? JsonSerializer.Serialize(s).Trim('"') : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = limit });
        await using var reader = await cmd.ExecuteReaderAsync();
        var items = new List<DealRegistration>();
        while (await reader.ReadAsync()) items.Add(JsonSerializer.Deserialize<DealRegistration>(reader.GetString(0), FeedJson.Options)!);
        return items;
    }

    /// <summary>Writes a published program's row (its grain calls this after each publish).</summary>
    public async Task UpsertProgram(VendorProgram program)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO vendor_programs (vendor, published_at, program) VALUES ($1, $2, $3)
            ON CONFLICT (vendor) DO UPDATE SET published_at = excluded.published_at, program = excluded.program
            """);
        cmd.Parameters.Add(new() { Value = program.VendorId });
        cmd.Parameters.Add(new() { Value = program.PublishedAt });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(program, FeedJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The published programs <paramref name="partner"/> sees, after vendor id <paramref name="after"/>:
    /// its own, and those of vendors it takes part with: both accepted in one room, or a deal it registered with the vendor.
    /// The vendor's name is the directory's current one.
    /// </summary>
    public async Task<IReadOnlyList<VendorProgram>> ProgramsFor(string partner, string? after, int limit)
    {
        await using var cmd = db.CreateCommand("""
            SELECT p.program::text, d.name FROM vendor_programs p
              LEFT JOIN partner_directory d ON d.partner_id = p.vendor
             WHERE ($2::text IS NULL OR p.vendor > $2)
               AND (p.vendor = $1
                    OR EXISTS (SELECT 1 FROM deal_registrations r WHERE r.partner = $1 AND r.vendor = p.vendor)
                    OR EXISTS (SELECT 1 FROM room_members mine JOIN room_members theirs ON theirs.room = mine.room
                                WHERE mine.partner = $1 AND mine.status = 'accepted' AND theirs.partner = p.vendor AND theirs.status = 'accepted'))
             ORDER BY p.vendor LIMIT $3
            """);
        cmd.Parameters.Add(new() { Value = partner });
        cmd.Parameters.Add(new() { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = limit });
        await using var reader = await cmd.ExecuteReaderAsync();
        var items = new List<VendorProgram>();
        while (await reader.ReadAsync())
        {
            var program = JsonSerializer.Deserialize<VendorProgram>(reader.GetString(0), FeedJson.Options)!;
            items.Add(reader.IsDBNull(1) ? program : program with { VendorName = reader.GetString(1) });
        }
        return items;
    }
}
