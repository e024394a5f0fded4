using System.CommandLine;
using CoSellNet.Cli.Accounts;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Output;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Sync;

/// <summary><c>cosell sync</c>: import CRM exports into my local list and run my half of the PSI with every partner.</summary>
internal static class SyncCommands
{
    private static readonly Columns<PartnershipSync> Summary = new Columns<PartnershipSync>()
        .Add("Partner", s => s.Counterpart)
        .Add("Name", s => s.CounterpartName)
        .Add("Epoch", s => s.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .Add("Added", s => s.Added.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))
        .Add("Removed", s => s.Removed.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))
        .Add("Fields sealed", s => s.FieldsSealed.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))
        .Add("Re-blinded", s => s.Reblinded.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))
        .Add("Their records", s => s.Status?.TheirRecords.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))
        .Add("Results", s => s.Status switch
        {
            null => null,
            { ReleaseVersion: > 0, MyRecordsAwaitingCounterpart: 0, TheirRecordsAwaitingMe: 0 } => "released",
            { ReleaseVersion: > 0 } => "released (newer records pending)",
            { MyRecordsAwaitingCounterpart: > 0 } => "waiting for the partner to sync",
            _ => "waiting",
        })
        .Add("Note", s => s.Note);

    public static Command Build(CommandBuilder b)
    {
        var files = new Argument<string[]>("files")
        {
            Description = "CRM exports (CSV) that make up my account list: Salesforce account or opportunity reports, HubSpot company exports, or any CSV with --map. Without files, the list imported last time is synced again.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var map = new Option<string?>("--map") { Description = "Columns of a CSV: domain=Website,name=Account Name,population=Type." };
        var population = new Option<string?>("--population") { Description = "One population for every row of the files (e.g. customers)." };
        var populationMap = CommandBuilder.Repeated("--population-map", "Map a population column's values: 'Former Customer=prospects,Partner=skip'.");
        var fields = new Option<string?>("--fields") { Description = "Columns to share with partners at level fields, sealed so only they can read them: \"Industry,Billing Country\"." };
        var nameKeys = CommandBuilder.Flag("--name-keys", "Match rows without a usable website by company name (weaker: different companies can share a name).");
        var maxRows = new Option<long>("--max-rows") { Description = "Refuse a file with more rows than this.", DefaultValueFactory = _ => AccountReadOptions.DefaultMaxRows };
        var maxReblind = new Option<long>("--max-reblind")
        {
            Description = "Re-blind at most this many of a partner's points per partnership and epoch (and never more than it declared).",
            DefaultValueFactory = _ => 1_000_000,
        };
        var partner = new Option<string?>("--partner") { Description = "Sync only the partnership with this partner id." };
        var allowEmpty = CommandBuilder.Flag("--allow-empty", "Accept files that give no account at all: my list becomes empty and every record uploaded to partners is removed.");
        var command = new Command("sync",
            "Import my account list from CRM exports, blind it per partnership, upload what changed, and re-blind partners' new points. " +
            "Resumable: run it again after an interruption and it continues where it stopped.")
        { files, map, population, populationMap, fields, nameKeys, maxRows, maxReblind, partner, allowEmpty };

        b.Action(command, async ctx =>
        {
            var paths = ctx.Get(files) ?? [];
            var partnerFiles = new PartnerFiles(ctx);
            using var secret = partnerFiles.LoadSecret();
            using var store = partnerFiles.OpenIndex();
            // Every write of this sync, in order, on a second connection: the list is stored while
            // the partnerships' records are compared and blinded (see StoreWriter).
            await using var writes = new Local.StoreWriter(store);
            var client = ctx.Client();
            // The partnerships are listed while the files are read: the first request's set-up
            // (connection, JSON) runs on the other core, not between the import and the first
            // blinding. If the listing fails, awaiting it below reports its error, as the run's.
            var only = ctx.Get(partner);
            var listing = Task.Run(() => ListPartnerships(client, only, ctx.Cancellation));
            if (paths.Length == 0 && store.AccountCount() == 0)
                throw new CliException("No account list yet: give the CRM exports to import, e.g. 'cosell sync accounts.csv'.");

            // The re-blinding of partners' points starts as soon as the partnerships are known, and
            // runs while the files are read and my list is uploaded (see SyncEngine.StartReblinding);
            // it sends nothing before the import went through. It reads on a connection of its own.
            using var reblindReads = store.OpenAnother();
            var output = new ProgressOutput(ctx.Environment.Error, ctx.Environment.Interactive);
            var engine = new SyncEngine(client, store, reblindReads, writes, secret, output, ctx.Get(maxReblind));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.Cancellation);
            var importDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var reblinding = Task.Run(async () => engine.StartReblinding(await listing, importDone.Task, stop.Token), CancellationToken.None);
            try
            {
                ImportedList? imported = null;
                if (paths.Length > 0)
                {
                    var options = new AccountReadOptions
                    {
                        Columns = ctx.Get(map) is { } m ? ColumnMap.Parse(m) : null,
                        Populations = ctx.Get(populationMap) is { Length: > 0 } pm ? PopulationMap.Parse(pm) : null,
                        Population = ctx.Get(population),
                        FieldColumns = ctx.Get(fields) is { } f ? [.. f.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] : [],
                        MaxRows = ctx.Get(maxRows),
                    };
                    var result = await AccountImport.ImportAsync(paths, options, ctx.Get(nameKeys));
                    // Through the sync's output: the re-blinding may be printing meanwhile.
                    foreach (var (file, read, hygiene) in result.Files)
                    {
                        output.Line($"{file} ({read.Format}): {hygiene.Describe()}");
                        foreach (var problem in read.Problems.Take(20)) output.Line($"  line {problem.Line}: {problem.Problem}");
                        if (read.Problems.Count > 20) output.Line($"  … and {read.Problems.Count - 20:N0} more problems");
                    }
                    // An export that went wrong (wrong file, wrong column mapping, filtered to nothing) must
                    // not quietly withdraw everything partners hold of my list.
                    if (result.Accounts.Count == 0 && !ctx.Get(allowEmpty))
                        throw new CliException(
                            $"The files give no account with a usable match key, so my list would become empty and everything uploaded to partners would be removed ({store.AccountCount():N0} accounts now). " +
                            "Nothing was changed. Check the files and --map; if you do mean to empty the list, add --allow-empty.", ExitCodes.Usage);
                    var changes = store.CompareAccounts(result.Accounts);
                    // Awaited through the writes after it (MarkExchanged, every plan) and at the end.
                    _ = writes.Write(s => s.WriteAccounts(changes));
                    imported = new ImportedList(result.Accounts, changes.Version);
                    output.Line($"My list: {result.Accounts.Count:N0} accounts in {Populations(result.Accounts)}.");
                }
                engine.UseImported(imported);
                importDone.SetResult();

                var partnerships = await listing;
                var each = await reblinding;
                var results = new List<PartnershipSync>();
                var exitCode = ExitCodes.Ok;
                for (var i = 0; i < partnerships.Count; i++)
                {
                    var partnership = partnerships[i];
                    try
                    {
                        results.Add(await engine.Run(partnership, each[i], ctx.Cancellation));
                    }
                    catch (Exception e) when (e is not OutOfMemoryException && !ctx.Cancellation.IsCancellationRequested)
                    {
                        // One partnership's failure (a refused upload, a cap, a node error) is reported and
                        // the others are synced all the same; the exit code is the first failure's.
                        // Through the sync's output: the next partnerships' re-blinding may be printing meanwhile.
                        var code = output.Lines(error =>
                        {
                            error.WriteLine($"Sync with {partnership.Theirs.PartnerName} ({partnership.Theirs.PartnerId}) failed; run 'cosell sync' again to continue it.");
                            return ErrorReporter.Report(e, error, null);
                        });
                        if (exitCode == ExitCodes.Ok) exitCode = code;
                        results.Add(new PartnershipSync(partnership.Theirs.PartnerId, partnership.Theirs.PartnerName, partnership.Epoch, 0, 0, 0, 0, null, "failed: see the error above"));
                    }
                }
                // The list is stored even when no partnership needed it (a failure here is the run's).
                await writes.Flush();
                if (only is not null && results.Count == 0)
                    throw new CliException($"You have no partnership with '{only}'. See 'cosell partnerships list'.", ExitCodes.NotFound);
                ctx.Output.WriteList(results, Summary, "No partnerships to sync. Propose one with 'cosell partnerships propose <partner-id>'.");
                return exitCode;
            }
            finally
            {
                // Whatever ended the run, the re-blinding is over before the secret, the index and the writer close.
                importDone.TrySetCanceled();
                await stop.CancelAsync();
                await Stopped(reblinding);
            }
        });
        return command;
    }

    /// <summary>My partnerships, or only the one with <paramref name="only"/>.</summary>
    private static async Task<List<PartnershipView>> ListPartnerships(CoSellNet.Client.CoSellNetClient client, string? only, CancellationToken ct)
    {
        var list = new List<PartnershipView>();
        await foreach (var partnership in client.ListAllPartnershipsAsync(ct))
            if (only is null || partnership.Theirs.PartnerId == only) list.Add(partnership);
        return list;
    }

    /// <summary>Waits for every partnership's re-blinding to end; their failures are Run's to report.</summary>
    private static async Task Stopped(Task<IReadOnlyList<Task<long>>> reblinding)
    {
        await ((Task)reblinding).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (reblinding.IsCompletedSuccessfully) await Task.WhenAll(reblinding.Result.Cast<Task>()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private static string Populations(List<Local.LocalAccount> accounts)
    {
        // Counted by runs of one population string (an import's accounts share it), one tree lookup a run
        // rather than two an account: a million of those ran as unoptimized generic code (~0.1 CPU-s).
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < accounts.Count;)
        {
            var population = accounts[i].Population;
            var end = i + 1;
            while (end < accounts.Count && ReferenceEquals(accounts[end].Population, population)) end++;
            counts[population] = counts.GetValueOrDefault(population) + (end - i);
            i = end;
        }
        var text = new System.Text.StringBuilder();
        foreach (var (population, count) in counts)
            text.Append(text.Length == 0 ? "" : ", ").Append(population).Append(' ').Append(count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        return text.ToString();
    }
}
