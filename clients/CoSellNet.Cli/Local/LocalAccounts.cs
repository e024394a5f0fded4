using System.Text.Json;
using CoSellNet.Crypto;

namespace CoSellNet.Cli.Local;

/// <summary>One account of my list as the local index keeps it.</summary>
internal sealed record LocalAccount(string Population, MatchKey Key, string? Name, string? Website, string Source, IReadOnlyDictionary<string, string> Fields);

internal sealed partial class LocalStore
{
    /// <summary>Replaces my account list with <paramref name="accounts"/> (one per population and key).</summary>
    public void ReplaceAccounts(IEnumerable<LocalAccount> accounts)
    {
        using var transaction = Begin();
        Execute("DELETE FROM accounts", transaction);
        using var insert = Command("INSERT INTO accounts (population, match_key, name, website, source, fields) VALUES ($p, $k, $n, $w, $s, $f)", transaction);
        var p = insert.Parameters.Add("$p", Microsoft.Data.Sqlite.SqliteType.Text);
        var k = insert.Parameters.Add("$k", Microsoft.Data.Sqlite.SqliteType.Text);
        var n = insert.Parameters.Add("$n", Microsoft.Data.Sqlite.SqliteType.Text);
        var w = insert.Parameters.Add("$w", Microsoft.Data.Sqlite.SqliteType.Text);
        var s = insert.Parameters.Add("$s", Microsoft.Data.Sqlite.SqliteType.Text);
        var f = insert.Parameters.Add("$f", Microsoft.Data.Sqlite.SqliteType.Text);
        insert.Prepare();
        foreach (var account in accounts)
        {
            p.Value = account.Population;
            k.Value = account.Key.ToString();
            n.Value = (object?)account.Name ?? DBNull.Value;
            w.Value = (object?)account.Website ?? DBNull.Value;
            s.Value = account.Source;
            f.Value = account.Fields.Count == 0 ? DBNull.Value : JsonSerializer.Serialize(account.Fields);
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>My accounts, optionally of one population.</summary>
    public List<LocalAccount> Accounts(string? population = null)
    {
        using var command = Command("SELECT population, match_key, name, website, source, fields FROM accounts" +
            (population is null ? "" : " WHERE population = $p") + " ORDER BY population, match_key");
        if (population is not null) command.Parameters.AddWithValue("$p", population);
        using var reader = command.ExecuteReader();
        var list = new List<LocalAccount>();
        while (reader.Read())
            list.Add(new LocalAccount(reader.GetString(0), MatchKey.Parse(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5))!));
        return list;
    }

    /// <summary>The account behind a match key in a population, if it is still in my list.</summary>
    public LocalAccount? Account(string population, string matchKey)
    {
        using var command = Command("SELECT name, website, source, fields FROM accounts WHERE population = $p AND match_key = $k");
        command.Parameters.AddWithValue("$p", population);
        command.Parameters.AddWithValue("$k", matchKey);
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return new LocalAccount(population, MatchKey.Parse(matchKey), reader.IsDBNull(0) ? null : reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
            reader.IsDBNull(3) ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(3))!);
    }

    public long AccountCount()
    {
        using var command = Command("SELECT count(*) FROM accounts");
        return (long)command.ExecuteScalar()!;
    }
}
