using System.Globalization;
using System.Text;
using CoSellNet.Cli.Accounts;
using CoSellNet.Cli.Sync;
using CoSellNet.Crypto;

namespace CoSellNet.Client.Tests.Cli.Accounts;

/// <summary>Exports to my account list: keys are made on every core, yet the outcome is the one of reading the rows in order.</summary>
public sealed class AccountImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cosell-import-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_first_row_of_a_key_wins_and_the_hygiene_report_lists_rows_in_file_order_across_many_rows()
    {
        // 30,000 rows: every 7th repeats the key of a row ~10,000 rows earlier (another range of the
        // parallel key step), every 11th has no usable website, the rest are distinct.
        const int rows = 30_000;
        var csv = new StringBuilder("Account Name,Website,Type\n");
        var expectedFirst = new Dictionary<string, (int Line, string Name)>();
        var withoutKey = new List<long>();
        var duplicates = 0;
        for (var i = 0; i < rows; i++)
        {
            var line = i + 2;
            var name = $"Company {i}";
            string website;
            if (i % 11 == 0)
            {
                website = i % 2 == 0 ? "n/a" : "jane@gmail.com";
                withoutKey.Add(line);
            }
            else
            {
                var n = i % 7 == 0 && i >= 10_000 ? i - 10_000 + 1 : i;
                website = $"https://www.c{n}-example.com/";
                var key = $"c{n}-example.com";
                if (expectedFirst.ContainsKey(key)) duplicates++;
                else expectedFirst[key] = (line, name);
            }
            csv.Append(name).Append(',').Append(website).Append(",Customer\n");
        }
        Assert.InRange(duplicates, 2_000, rows); // the test is about them: there are many
        var path = Path.Combine(_dir, "accounts.csv");
        File.WriteAllText(path, csv.ToString());

        var result = await AccountImport.ImportAsync([path], new AccountReadOptions(), nameKeys: false);

        Assert.Equal(expectedFirst.Count, result.Accounts.Count);
        foreach (var account in result.Accounts)
        {
            var (line, name) = expectedFirst[account.Key.Value];
            Assert.Equal($"accounts.csv:{line}", account.Source);
            Assert.Equal(name, account.Name);
            Assert.Equal("customers", account.Population);
        }
        // Accounts come in file order of their first row.
        Assert.Equal(expectedFirst.Values.Select(v => v.Line).Order(), result.Accounts.Select(a => expectedFirst[a.Key.Value].Line));
        var hygiene = Assert.Single(result.Files).Hygiene;
        Assert.Equal(rows, hygiene.RowsRead);
        Assert.Equal(expectedFirst.Count, hygiene.KeysMade);
        Assert.Equal(duplicates, hygiene.DuplicatesFolded);
        Assert.Equal(withoutKey, hygiene.Rejections.Values.SelectMany(l => l).Order());
        Assert.Equal(withoutKey.Where(l => (l - 2) % 2 == 0), hygiene.Rejections[KeyRejection.Invalid]);
        Assert.Equal(withoutKey.Where(l => (l - 2) % 2 == 1), hygiene.Rejections[KeyRejection.FreeMail]);
    }

    [Fact]
    public async Task With_name_keys_a_row_without_a_usable_website_is_matched_by_name()
    {
        var path = Path.Combine(_dir, "accounts.csv");
        File.WriteAllText(path, "Account Name,Website,Type\nAcme Inc.,n/a,Customer\nGlobex GmbH,globex.de,Prospect\nHooli,,Customer\n");

        var withNames = await AccountImport.ImportAsync([path], new AccountReadOptions(), nameKeys: true);
        var withoutNames = await AccountImport.ImportAsync([path], new AccountReadOptions(), nameKeys: false);

        Assert.Equal(["n:acme", "d:globex.de", "n:hooli"], withNames.Accounts.Select(a => a.Key.ToString()));
        Assert.Equal(["d:globex.de"], withoutNames.Accounts.Select(a => a.Key.ToString()));
        Assert.Equal(2, Assert.Single(withoutNames.Files).Hygiene.RowsWithoutKey);
    }

    [Fact]
    public async Task Each_file_has_its_own_hygiene_report_and_a_key_is_an_account_per_population()
    {
        var first = Path.Combine(_dir, "first.csv");
        var second = Path.Combine(_dir, "second.csv");
        File.WriteAllText(first, "Account Name,Website,Type\nAcme,acme.com,Customer\nAcme EU,www.acme.com,Prospect\nAcme again,ACME.COM,Customer\nGlobex,globex.de,Customer\n");
        File.WriteAllText(second, "Account Name,Website,Type\nAcme 2,acme.com,Prospect\nInitech,initech.com,Customer\nInitech 2,initech.com,Customer\nGlobex 2,globex.de,Prospect\n");

        var result = await AccountImport.ImportAsync([first, second], new AccountReadOptions(), nameKeys: false);

        // A key is new to each file once, whatever its population; later rows of it are folded.
        Assert.Equal(["4 rows read, 2 keys made, 2 duplicates folded, 0 rows without a key", "4 rows read, 3 keys made, 1 duplicates folded, 0 rows without a key"],
            result.Files.Select(f => f.Hygiene.Describe()));
        // One account per population and key, the first row's, in the order of the first rows.
        Assert.Equal(["customers d:acme.com first.csv:2 Acme", "prospects d:acme.com first.csv:3 Acme EU", "customers d:globex.de first.csv:5 Globex",
                "customers d:initech.com second.csv:3 Initech", "prospects d:globex.de second.csv:5 Globex 2"],
            result.Accounts.Select(a => $"{a.Population} {a.Key} {a.Source} {a.Name}"));
    }

    [Fact]
    public async Task A_file_of_only_a_header_gives_no_account()
    {
        var path = Path.Combine(_dir, "accounts.csv");
        File.WriteAllText(path, "Account Name,Website,Type\n");

        var result = await AccountImport.ImportAsync([path], new AccountReadOptions(), nameKeys: false);

        Assert.Empty(result.Accounts);
        Assert.Equal(0, Assert.Single(result.Files).Hygiene.RowsRead);
    }

    [Fact]
    public async Task A_large_export_is_imported_whole_and_collections_come_again_after_it()
    {
        // Over 16 MB: imported without collections (as far as the runtime allows here), a region that ends with the import.
        const int rows = 250_000;
        var csv = new StringBuilder("Account Name,Website,Type\n", rows * 80);
        for (var i = 0; i < rows; i++)
            csv.Append(CultureInfo.InvariantCulture, $"\"Company number {i}, Incorporated\",\"https://www.company-number-{i % 200_000}.com/\",Customer\n");
        var path = Path.Combine(_dir, "large.csv");
        File.WriteAllText(path, csv.ToString());
        Assert.True(new FileInfo(path).Length > 16 << 20);

        var result = await AccountImport.ImportAsync([path], new AccountReadOptions(), nameKeys: false);

        Assert.NotEqual(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);
        Assert.Equal(200_000, result.Accounts.Count);
        var hygiene = Assert.Single(result.Files).Hygiene;
        Assert.Equal(rows, hygiene.RowsRead);
        Assert.Equal(50_000, hygiene.DuplicatesFolded);
        Assert.Equal("large.csv:2", result.Accounts[0].Source);
        Assert.Equal("company-number-199999.com", result.Accounts[^1].Key.Value);
        Assert.Equal("Company number 199999, Incorporated", result.Accounts[^1].Name);
    }
}
