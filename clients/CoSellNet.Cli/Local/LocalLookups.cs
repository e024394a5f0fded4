using System.Text;
using System.Text.Json;
using CoSellNet.Crypto;
using Microsoft.Data.Sqlite;

namespace CoSellNet.Cli.Local;

internal sealed partial class LocalStore
{
    /// <summary>
    /// The accounts behind a batch of my record ids in a partnership and epoch, in one query (a page
    /// of overlaps at a time, rather than two queries per overlap). Ids whose record or account is no
    /// longer in my list are absent from the answer.
    /// </summary>
    public Dictionary<UInt128, LocalAccount> AccountsOf(string partnership, int epoch, IReadOnlyList<UInt128> recordIds)
    {
        var found = new Dictionary<UInt128, LocalAccount>(recordIds.Count);
        if (recordIds.Count == 0) return found;
        var sql = new StringBuilder("""
            SELECT r.record_id, a.population, a.match_key, a.name, a.website, a.source, a.fields
            FROM records r JOIN accounts a ON a.population = r.population AND a.match_key = r.match_key
            WHERE r.partnership = $p AND r.epoch = $e AND r.record_id IN (
            """);
        using var command = Command("");
        command.Parameters.AddWithValue("$p", partnership);
        command.Parameters.AddWithValue("$e", epoch);
        for (var i = 0; i < recordIds.Count; i++)
        {
            var name = "$r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            sql.Append(i == 0 ? "" : ",").Append(name);
            command.Parameters.Add(name, SqliteType.Blob).Value = RecordIds.Bytes(recordIds[i]);
        }
        command.CommandText = sql.Append(')').ToString();
        using var reader = command.ExecuteReader();
        var id = new byte[RecordIds.Size];
        while (reader.Read())
        {
            reader.GetBytes(0, 0, id, 0, RecordIds.Size);
            found[RecordIds.Of(id)] = new LocalAccount(reader.GetString(1), MatchKey.Parse(reader.GetString(2)),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5),
                reader.IsDBNull(6) ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(6))!);
        }
        return found;
    }
}
