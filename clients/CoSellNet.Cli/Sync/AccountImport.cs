using System.Runtime.InteropServices;
using CoSellNet.Cli.Accounts;
using CoSellNet.Cli.Local;
using CoSellNet.Crypto;

namespace CoSellNet.Cli.Sync;

/// <summary>
/// Turns the rows of CRM exports into my account list: a match key per row (the website's
/// registrable domain; with <c>--name-keys</c>, the company name when there is no usable website),
/// one account per population and key (the first row wins), and a hygiene report per file.
/// </summary>
internal static class AccountImport
{
    public sealed record Result(List<LocalAccount> Accounts, List<(string File, AccountFile Read, HygieneReport Hygiene)> Files);

    public static Result Import(IReadOnlyList<string> paths, AccountReadOptions options, bool nameKeys)
    {
        var accounts = new Dictionary<(string, MatchKey), LocalAccount>();
        var files = new List<(string, AccountFile, HygieneReport)>();
        foreach (var path in paths)
        {
            var read = AccountReader.Read(path, options);
            var hygiene = new HygieneReport(read.Rows.Count);
            accounts.EnsureCapacity(accounts.Count + read.Rows.Count);
            var fileName = Path.GetFileName(path);
            foreach (var row in read.Rows)
            {
                var result = MatchKeys.FromDomainLike(row.Website);
                if (!result.IsValid && nameKeys && MatchKeys.FromCompanyName(row.Name) is { IsValid: true } byName) result = byName;
                hygiene.Add(row.Line, result);
                if (result.Key is not { } key) continue;
                // The first row of a key wins; a later duplicate costs a lookup, not an account.
                ref var account = ref CollectionsMarshal.GetValueRefOrAddDefault(accounts, (row.Population, key), out var exists);
                if (!exists) account = new LocalAccount(row.Population, key, row.Name, row.Website, $"{fileName}:{row.Line}", row.Fields);
            }
            files.Add((path, read, hygiene));
        }
        return new Result([.. accounts.Values], files);
    }
}
