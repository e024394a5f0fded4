using System.Text.Json;
using CoSellNet.Crypto;
using Microsoft.Data.Sqlite;

namespace CoSellNet.Cli.Local;

/// <summary>One account of my list as the local index keeps it.</summary>
internal sealed record LocalAccount(string Population, MatchKey Key, string? Name, string? Website, string Source, IReadOnlyDictionary<string, string> Fields);

internal sealed partial class LocalStore
{
    /// <summary>
    /// Replaces my account list with <paramref name="accounts"/> (one per population and key),
    /// writing only what changed: a re-import of the same export writes nothing.
    /// </summary>
    public void ReplaceAccounts(IReadOnlyList<LocalAccount> accounts)
    {
        var before = new Dictionary<(string Population, string Key), (string? Name, string? Website, string Source, string? Fields)>();
        using (var read = Command("SELECT population, match_key, name, website, source, fields FROM accounts"))
        using (var reader = read.ExecuteReader())
            while (reader.Read())
                before[(reader.GetString(0), reader.GetString(1))] = (reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5));

        using var transaction = Begin();
        using var upsert = Command("""
            INSERT INTO accounts (population, match_key, name, website, source, fields) VALUES ($p, $k, $n, $w, $s, $f)
            ON CONFLICT (population, match_key) DO UPDATE SET name = excluded.name, website = excluded.website, source = excluded.source, fields = excluded.fields
            """, transaction);
        var p = upsert.Parameters.Add("$p", SqliteType.Text);
        var k = upsert.Parameters.Add("$k", SqliteType.Text);
        var n = upsert.Parameters.Add("$n", SqliteType.Text);
        var w = upsert.Parameters.Add("$w", SqliteType.Text);
        var s = upsert.Parameters.Add("$s", SqliteType.Text);
        var f = upsert.Parameters.Add("$f", SqliteType.Text);
        upsert.Prepare();
        foreach (var account in accounts)
        {
            var key = account.Key.ToString();
            var fields = account.Fields.Count == 0 ? null : JsonSerializer.Serialize(account.Fields);
            if (before.Remove((account.Population, key), out var old)
                && old.Name == account.Name && old.Website == account.Website && old.Source == account.Source && old.Fields == fields)
                continue;
            p.Value = account.Population;
            k.Value = key;
            n.Value = (object?)account.Name ?? DBNull.Value;
            w.Value = (object?)account.Website ?? DBNull.Value;
            s.Value = account.Source;
            f.Value = (object?)fields ?? DBNull.Value;
            upsert.ExecuteNonQuery();
        }
        if (before.Count > 0)
        {
            using var delete = Command("DELETE FROM accounts WHERE population = $p AND match_key = $k", transaction);
            var dp = delete.Parameters.Add("$p", SqliteType.Text);
            var dk = delete.Parameters.Add("$k", SqliteType.Text);
            delete.Prepare();
            foreach (var (population, key) in before.Keys)
            {
                dp.Value = population;
                dk.Value = key;
                delete.ExecuteNonQuery();
            }
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
