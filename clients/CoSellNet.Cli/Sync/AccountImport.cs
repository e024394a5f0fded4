using System.Collections.Concurrent;
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
    private const int RowsPerTask = 8192;

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
            var keys = KeysOf(read.Rows, nameKeys);
            for (var i = 0; i < read.Rows.Count; i++)
            {
                var row = read.Rows[i];
                var result = keys[i];
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

    /// <summary>
    /// Each row's match key, on every core: normalizing is independent per row and deterministic, and
    /// the import otherwise runs on one core while the others idle. Which row wins a duplicate key is
    /// decided afterwards, in file order, so the result is the same as one core's.
    /// </summary>
    private static MatchKeyResult[] KeysOf(IReadOnlyList<AccountRow> rows, bool nameKeys)
    {
        var keys = new MatchKeyResult[rows.Count];
        if (keys.Length == 0) return keys; // a range partitioner needs at least one row
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.ForEach(Partitioner.Create(0, rows.Count, RowsPerTask), options, range =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                var row = rows[i];
                var result = MatchKeys.FromDomainLike(row.Website);
                if (!result.IsValid && nameKeys && MatchKeys.FromCompanyName(row.Name) is { IsValid: true } byName) result = byName;
                keys[i] = result;
            }
        });
        return keys;
    }
}
