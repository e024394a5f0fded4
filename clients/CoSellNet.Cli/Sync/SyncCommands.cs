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
        var command = new Command("sync",
            "Import my account list from CRM exports, blind it per partnership, upload what changed, and re-blind partners' new points. " +
            "Resumable: run it again after an interruption and it continues where it stopped.")
        { files, map, population, populationMap, fields, nameKeys, maxRows, maxReblind, partner };

        b.Action(command, async ctx =>
        {
            var paths = ctx.Get(files) ?? [];
            var partnerFiles = new PartnerFiles(ctx);
            using var secret = partnerFiles.LoadSecret();
            using var store = partnerFiles.OpenIndex();
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
                var imported = AccountImport.Import(paths, options, ctx.Get(nameKeys));
                foreach (var (file, read, hygiene) in imported.Files)
                {
                    ctx.Note($"{file} ({read.Format}): {hygiene.Describe()}");
                    foreach (var problem in read.Problems.Take(20)) ctx.Note($"  line {problem.Line}: {problem.Problem}");
                    if (read.Problems.Count > 20) ctx.Note($"  … and {read.Problems.Count - 20:N0} more problems");
                }
                store.ReplaceAccounts(imported.Accounts);
                ctx.Note($"My list: {imported.Accounts.Count:N0} accounts in {string.Join(", ", imported.Accounts.GroupBy(a => a.Population).Select(g => $"{g.Key} {g.Count():N0}"))}.");
            }
            else if (store.AccountCount() == 0)
                throw new CliException("No account list yet: give the CRM exports to import, e.g. 'cosell sync accounts.csv'.");

            var client = ctx.Client();
            var engine = new SyncEngine(client, store, secret, ctx.Environment.Error, ctx.Environment.Interactive, ctx.Get(maxReblind));
            var only = ctx.Get(partner);
            var results = new List<PartnershipSync>();
            await foreach (var partnership in client.ListAllPartnershipsAsync(ctx.Cancellation))
            {
                if (only is not null && partnership.Theirs.PartnerId != only) continue;
                results.Add(await engine.Run(partnership, ctx.Cancellation));
            }
            if (only is not null && results.Count == 0)
                throw new CliException($"You have no partnership with '{only}'. See 'cosell partnerships list'.", ExitCodes.NotFound);
            ctx.Output.WriteList(results, Summary, "No partnerships to sync. Propose one with 'cosell partnerships propose <partner-id>'.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
