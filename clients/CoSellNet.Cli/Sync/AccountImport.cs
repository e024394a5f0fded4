using System.Collections.Concurrent;
using System.Threading.Channels;
using CoSellNet.Cli.Accounts;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Local;
using CoSellNet.Crypto;
using System.Runtime.CompilerServices;

namespace CoSellNet.Cli.Sync;

/// <summary>
/// Turns the rows of CRM exports into my account list: a match key per row (the website's
/// registrable domain; with <c>--name-keys</c>, the company name when there is no usable website),
/// one account per population and key (the first row wins), and a hygiene report per file.
/// </summary>
internal static class AccountImport
{
    public sealed record Result(List<LocalAccount> Accounts, List<(string File, AccountFile Read, HygieneReport Hygiene)> Files);

    /// <remarks>Parses on the calling thread; awaits (rather than blocks on) the folding of the last batches, which needs the pool.</remarks>
    public static async Task<Result> ImportAsync(IReadOnlyList<string> paths, AccountReadOptions options, bool nameKeys)
    {
        using var noCollections = WithoutCollections(paths);
        var list = new AccountList();
        // Batches of rows and of keys the fold is done with, filled again rather than new ones made.
        var spareRows = new ConcurrentQueue<AccountRow[]>();
        var spareKeys = new ConcurrentQueue<MatchKeyResult[]>();
        var files = new List<(string, AccountFile, HygieneReport)>();
        for (var file = 0; file < paths.Count; file++)
        {
            var path = paths[file];
            var fileName = Path.GetFileName(path);
            var hygiene = new HygieneReport();
            list.EnsureCapacity(ExpectedRows(path, options));
            // A pipeline rather than read-all-then-key: while this thread parses the file, each batch of
            // rows it hands over is keyed on the pool, and one task folds the keyed batches into the list
            // in file order, so a 1,000,000-row file keeps both cores busy rather than one.
            var keyed = Channel.CreateUnbounded<(AccountRow[] Rows, Task<MatchKeyResult[]> Keys)>(
                new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var fileIndex = file;
            var folding = Task.Run(async () =>
            {
                await foreach (var (rows, keys) in keyed.Reader.ReadAllAsync().ConfigureAwait(false))
                {
                    var rowKeys = await keys.ConfigureAwait(false);
                    list.Fold(rows, rowKeys, fileIndex, fileName, hygiene);
                    if (rows.Length == AccountReader.BatchRows)
                    {
                        spareRows.Enqueue(rows);
                        spareKeys.Enqueue(rowKeys);
                    }
                }
            });
            AccountFile read;
            try
            {
                read = AccountReader.Read(path, options, rows => keyed.Writer.TryWrite((rows, Task.Run(() => KeysOf(rows, nameKeys, spareKeys)))), spareRows);
            }
            finally
            {
                // On a failed read too: the folding ends with the batches handed so far, and its result is dropped.
                keyed.Writer.TryComplete();
            }
            await folding.ConfigureAwait(false);
            files.Add((path, read, hygiene));
        }
        return new Result(list.Accounts, files);
    }

    /// <summary>
    /// About how many rows a file holds, so the set of keys is sized once rather than grown through
    /// every power of two: an export's rows are rarely under 64 bytes.
    /// </summary>
    private static int ExpectedRows(string path, AccountReadOptions options)
    {
        try
        {
            return (int)Math.Min(new FileInfo(path).Length / 64, Math.Min(options.MaxRows, 1 << 24));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // the read says what is wrong with the file
        }
    }

    /// <summary>Each row's match key: normalizing is independent per row and deterministic.</summary>
    // ReadyToRun code, which a published cosell runs until the runtime compiles a hot method again
    // (late in a sync: every method compiled meanwhile restarts that wait), inlines nothing from
    // another assembly (MatchKey's getters, the runtime's span helpers) and calls through stubs. The
    // methods each of a million rows goes through are compiled optimized at their first call instead:
    // a 1,000,000-row import ~0.5 CPU-s cheaper (4 runs each), a few ms of compiling in any sync.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static MatchKeyResult[] KeysOf(AccountRow[] rows, bool nameKeys, ConcurrentQueue<MatchKeyResult[]> spare)
    {
        var keys = rows.Length == AccountReader.BatchRows && spare.TryDequeue(out var used) ? used : new MatchKeyResult[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            var result = MatchKeys.FromDomainLike(row.Website);
            if (!result.IsValid && nameKeys && MatchKeys.FromCompanyName(row.Name) is { IsValid: true } byName) result = byName;
            keys[i] = result;
        }
        return keys;
    }

    /// <summary>The most heap an import may make without a collection (see <see cref="WithoutCollections"/>).</summary>
    private const long MaxBudget = 1L << 30;

    /// <summary>
    /// No garbage collection while a large export is imported, up to a budget. Nearly all an import
    /// makes lives on (the accounts, their names, websites and keys): a collection then only marks
    /// and promotes, and as the list grows, one after the other (1,000,000 rows: ~30 collections, each
    /// of gen1, and five background gen2 ones, ~0.6 CPU-s of collector, page and IPI work). The list's
    /// first collection after the import marks it once. An export makes about 5 bytes of heap a byte
    /// of the file (the rows' strings as UTF-16, the accounts); the budget is 6, at most
    /// <see cref="MaxBudget"/>. Small exports (whose collections cost little) are imported as before.
    /// </summary>
    private static NoCollections? WithoutCollections(IReadOnlyList<string> paths)
    {
        const long minFileBytes = 16L << 20;
        long bytes = 0;
        foreach (var path in paths)
        {
            try
            {
                bytes += new FileInfo(path).Length;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                // The read says what is wrong with the file.
            }
        }
        return bytes < minFileBytes ? null : NoCollections.Begin(Math.Min(bytes * 6, MaxBudget));
    }
}
