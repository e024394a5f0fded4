using System.Text.Json;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using Npgsql;

namespace CoSellNet.Silo.Partners;

/// <summary>
/// The public partner directory in PostgreSQL: a read model that <see cref="PartnerGrain"/> keeps
/// in step with its state, so that listing and searching partners is one indexed query instead of
/// a call to every partner grain. It also enforces one partner per website domain.
/// </summary>
public sealed class PartnerDirectory(NpgsqlDataSource db)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Inserts or replaces a partner's entry; a domain held by another partner is a conflict.</summary>
    public async Task Upsert(DirectoryEntry entry, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO partner_directory (partner_id, name, domain, type, entry, joined_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, now())
            ON CONFLICT (partner_id) DO UPDATE
               SET name = EXCLUDED.name, domain = EXCLUDED.domain, type = EXCLUDED.type,
                   entry = EXCLUDED.entry, updated_at = now()
            """);
        cmd.Parameters.Add(new() { Value = entry.Id });
        cmd.Parameters.Add(new() { Value = entry.Name });
        cmd.Parameters.Add(new() { Value = entry.Domain });
        cmd.Parameters.Add(new() { Value = TypeName(entry.Type) });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(entry, Json), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new() { Value = entry.JoinedAt });
        try
        {
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw ProblemException.Conflict("Domain already registered",
                $"Another partner on this network already uses the domain {entry.Domain}. If that is your company, ask its admin for an API key instead of registering again.");
        }
    }

    /// <summary>Entries in id order after <paramref name="after"/>, optionally of one type or matching a name or domain.</summary>
    public async Task<IReadOnlyList<DirectoryEntry>> List(string? after, int limit, PartnerType? type, string? search, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("""
            SELECT entry FROM partner_directory
             WHERE ($1::text IS NULL OR partner_id > $1)
               AND ($2::text IS NULL OR type = $2)
               AND ($3::text IS NULL OR name ILIKE '%' || $3 || '%' OR domain LIKE $3 || '%')
             ORDER BY partner_id
             LIMIT $4
            """);
        cmd.Parameters.Add(new() { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = type is { } t ? TypeName(t) : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = search is null ? DBNull.Value : EscapeLike(search.ToLowerInvariant()), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = limit });
        var result = new List<DirectoryEntry>(limit);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result.Add(JsonSerializer.Deserialize<DirectoryEntry>(reader.GetString(0), Json)!);
        return result;
    }

    private static string TypeName(PartnerType type) => JsonSerializer.Serialize(type, Json).Trim('"');

    private static string EscapeLike(string s) => s.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
