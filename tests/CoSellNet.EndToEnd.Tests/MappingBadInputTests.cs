using System.Text;
using CoSellNet.Protocol;
using CoSellNet.Testing;
using Npgsql;

namespace CoSellNet.EndToEnd.Tests;

/// <summary>
/// Bad input through the real CLI against a real node: malformed rows are reported by line and
/// the rest is imported; bad files and options are refused before anything changes; a wrong key
/// exits 3; a partner's list over my re-blind cap is refused with exit 5 naming the cap, and
/// nothing of it is re-blinded.
/// </summary>
public sealed class MappingBadInputTests
{
    private const string C = "customers";

    [Fact]
    public async Task Bad_rows_files_keys_and_oversized_partner_lists_are_refused_plainly_and_the_rest_goes_through()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("e2e-badinput");
        await using var node = await NodeProcess.StartAsync(cs, "e2e-" + Guid.NewGuid().ToString("N")[..12]);
        using var a = new Party("a", "Lumora Vendor", PartnerType.Vendor);
        using var b = new Party("b", "Mervale ISV", PartnerType.Technology);
        a.Shares["b"] = [new(C, SharingLevel.Overlaps)];
        b.Shares["a"] = [new(C, SharingLevel.Overlaps)];
        await Network.Join(node, a);
        await Network.Join(node, b);
        await Network.Partner(a, b);

        // A Salesforce report of 30 records; line 8 has a stray field, line 15 a stray quote.
        var csv = new StringBuilder("\"Account Name\",\"Website\",\"Type\"\n");
        var good = new List<string>();
        for (var line = 2; line <= 31; line++)
        {
            var domain = $"lum{line:D3}-orvantic.com";
            csv.Append(line switch
            {
                8 => $"\"Lumora {line}\",\"{domain}\",\"Customer\",\"Direct\"\n",
                15 => $"\"Lum\"ora {line}\",\"{domain}\",\"Customer\"\n",
                _ => $"\"Lumora {line}\",\"https://www.{domain}/\",\"Customer\"\n",
            });
            if (line is not 8 and not 15) good.Add(domain);
        }
        var file = a.Cli.File("accounts.csv", csv.ToString());
        var planted = good.Where((_, i) => i % 3 == 0).ToList();
        var (bList, _) = CrmExports.BulkSalesforce(40, 0, "mer", planted);
        (await b.Cli.Run("sync", b.Cli.File("b.csv", Encoding.UTF8.GetString(bList)), "-o", "json")).Ok();

        // The re-blind cap is under the partner's 50 records: my list goes up, the partner's points are refused.
        var capped = await a.Cli.Run("sync", file, "--max-reblind", "49", "-o", "json");
        Assert.Equal(5, capped.ExitCode);
        Assert.Contains("  line 8: has 4 fields but the header has 3", capped.Stderr);
        Assert.Contains("  line 15: malformed quotes", capped.Stderr);
        Assert.Equal(2, capped.Stderr.Split('\n').Count(l => l.StartsWith("  line ", StringComparison.Ordinal)));
        Assert.Contains("My list: 28 accounts", capped.Stderr);
        Assert.Contains("over the cap of 49 (--max-reblind)", capped.Stderr);
        Assert.Contains(b.Name, capped.Stderr);
        Assert.Equal(28L, await Scalar(cs, "SELECT count(*) FROM psi_records WHERE owner = $1", a.Id));
        Assert.Equal(50L, await Scalar(cs, "SELECT count(*) FROM psi_records WHERE owner = $1 AND tag IS NULL", b.Id));

        // Refused before anything changes: a missing file, a CSV without known columns, a --fields column that is not there.
        var missing = await a.Cli.Run("sync", Path.Combine(a.Cli.Directory, "nope.csv"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr);
        var unknown = await a.Cli.Run("sync", a.Cli.File("odd.csv", "Firm,Web\nLumora X,lumx-orvantic.com\n"));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("Its columns are: Firm, Web.", unknown.Stderr);
        var fields = await a.Cli.Run("sync", file, "--fields", "Owner");
        Assert.Equal(2, fields.ExitCode);
        Assert.Contains("Column 'Owner' (in --fields) is not in accounts.csv", fields.Stderr);

        // A wrong key, well formed: exit 3, naming where the key came from.
        var wrong = a.ApiKey[..^4] + (a.ApiKey.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        var denied = await a.Cli.Run("sync", "--key", wrong);
        Assert.Equal(3, denied.ExitCode);
        Assert.Contains("The key came from the command line", denied.Stderr);
        Assert.Equal(3, (await a.Cli.Run("overlaps", "--key", wrong)).ExitCode);

        // With a cap the partner's list fits in, the same list (imported before) goes through, and nothing twice.
        var through = Assert.Single((await a.Cli.Run("sync", "--max-reblind", "50", "-o", "json")).Ok().Read<List<SyncJson>>());
        Assert.Equal((0, 0, 50L), (through.Added, through.Removed, through.Reblinded));
        (await b.Cli.Run("sync", "-o", "json")).Ok();
        var overlaps = (await a.Cli.Run("overlaps", "-o", "json")).Ok().Read<List<OverlapJson>>();
        Truth.Same(planted.Order(StringComparer.Ordinal), overlaps.Select(o => o.MatchKey), "overlaps after the bad input");
        Assert.Equal(28L, await Scalar(cs, "SELECT count(*) FROM psi_records WHERE owner = $1", a.Id));
    }

    private static async Task<long> Scalar(string cs, string sql, string owner)
    {
        await using var db = NpgsqlDataSource.Create(cs);
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new() { Value = owner });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
