using System.Text.RegularExpressions;
using CoSellNet.Protocol;
using CoSellNet.Testing;
using Npgsql;
using static CoSellNet.EndToEnd.Tests.CrmExports;

namespace CoSellNet.EndToEnd.Tests;

/// <summary>
/// Private account mapping end to end (issue 5, "Proof"): a vendor, an ISV and an SI on a real
/// node, each with the real <c>cosell</c> and a generated CRM export whose overlaps are known.
/// Every figure the CLI prints is checked against the truth computed from the plaintext; a later
/// sync sends only what changed; and afterwards neither the database nor the node's log holds
/// any of the plaintext that went into the clients.
/// </summary>
public sealed partial class MappingTests
{
    private const string C = "customers", P = "prospects", O = "opportunities";

    [Fact]
    public async Task Three_partners_map_accounts_privately_with_every_figure_exact_and_later_syncs_send_only_changes()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("e2e-mapping");
        await using var node = await NodeProcess.StartAsync(cs, "e2e-" + Guid.NewGuid().ToString("N")[..12]);
        var world = new World(20261125);

        using var vendor = new Party("vendor", "Aldervane Vendor", PartnerType.Vendor)
        {
            FieldColumns = [OwnerColumn, IndustryColumn],
            SyncOptions = ["--population-map", "Partner=skip"],
        };
        using var isv = new Party("isv", "Brisklet ISV", PartnerType.Technology) { NameKeys = true, FieldColumns = [HubSpotOwnerColumn] };
        using var si = new Party("si", "Corvantis SI", PartnerType.Service)
        {
            NameKeys = true,
            FieldColumns = [ConsultantColumn],
            SyncOptions = ["--map", "domain=Webadresse,name=Firmenname,population=Status",
                "--population-map", "Kunde=customers,Interessent=prospects", "--population-map", "Chance=opportunities,Verloren=skip"],
        };
        Party[] all = [vendor, isv, si];
        Party[] Others(Party p) => [.. all.Where(o => o != p)];

        vendor.Shares["isv"] = [new(C, SharingLevel.Fields), new(P, SharingLevel.Overlaps), new(O, SharingLevel.Overlaps)];
        isv.Shares["vendor"] = [new(C, SharingLevel.Overlaps), new(P, SharingLevel.Overlaps), new(O, SharingLevel.Counts, 5)];
        vendor.Shares["si"] = [new(C, SharingLevel.Overlaps), new(O, SharingLevel.Overlaps)];
        si.Shares["vendor"] = [new(C, SharingLevel.Fields), new(P, SharingLevel.Counts, 8), new(O, SharingLevel.Overlaps)];
        isv.Shares["si"] = [new(C, SharingLevel.Fields), new(P, SharingLevel.Overlaps)];
        si.Shares["isv"] = [new(C, SharingLevel.Overlaps), new(P, SharingLevel.Overlaps), new(O, SharingLevel.Fields)];

        var plan = new Plan(world);
        plan.Build();
        vendor.Exports = [SalesforceAccounts("vendor-accounts.csv", world, plan.Shuffle(plan.VendorAccounts)), SalesforceOpportunities("vendor-opportunities.csv", world, plan.Shuffle(plan.VendorOpportunities))];
        isv.Exports = [HubSpotCompanies("isv-companies.csv", world, plan.Shuffle(plan.Isv))];
        si.Exports = [MappedSemicolon("si-firmen.csv", world, plan.Shuffle(plan.Si))];

        foreach (var p in all) await Network.Join(node, p);

        // The plan must make the interesting cases happen, or the checks below prove little.
        Assert.Contains("customers × opportunities: < 5", Truth.Matrix(vendor, isv));
        Assert.Contains("customers × prospects: < 8", Truth.Matrix(vendor, si));
        Assert.Contains(Truth.Overlaps(isv, [vendor]), o => o.TheirFields.Count == 2);
        Assert.Contains(Truth.Overlaps(vendor, [si]), o => o.TheirFields.ContainsKey(ConsultantColumn));
        Assert.Contains(Truth.Overlaps(si, [isv]), o => o.MatchKey.Contains(' ')); // a match on name keys
        Assert.True(Truth.Shared(Truth.Overlaps(vendor, Others(vendor))).Count >= 10);
        Assert.NotEmpty(Truth.Whitespace(Truth.Overlaps(si, Others(si))));

        await Network.Partner(vendor, isv);
        await Network.Partner(vendor, si);
        await Network.Partner(isv, si);

        // Round one imports the exports and uploads; round two (no files: the list imported last
        // time) does the re-blind tasks left, after which every partnership is released.
        var ledger = new SyncLedger();
        foreach (var p in all)
        {
            var paths = p.WriteExports();
            var result = (await p.Cli.Run(p.SyncArguments(paths))).Ok();
            CheckImport(p, paths, result);
            Assert.Equal(ledger.Sync(p, Others(p)), SyncLedger.Reported(result));
        }
        foreach (var p in all)
        {
            var result = (await p.Cli.Run("sync", "-o", "json")).Ok();
            Assert.Equal(ledger.Sync(p, Others(p)), SyncLedger.Reported(result));
        }
        await Task.WhenAll(all.Select(p => CheckFigures(p, Others(p))));

        // Later: the ISV's CRM changed. Only the changes go out, and the figures follow.
        plan.ChangeIsv();
        isv.Exports = [HubSpotCompanies("isv-companies.csv", world, plan.Shuffle(plan.Isv))];
        var changed = (await isv.Cli.Run(isv.SyncArguments(isv.WriteExports()))).Ok();
        var expectedChanges = ledger.Sync(isv, Others(isv));
        Assert.Equal(expectedChanges, SyncLedger.Reported(changed));
        Assert.All(expectedChanges, e => Assert.True(e.Added > 0 && e.Removed > 0, $"The change must add and remove in every partnership: {e}"));
        foreach (var p in new[] { vendor, si })
        {
            var result = (await p.Cli.Run("sync", "-o", "json")).Ok();
            Assert.Equal(ledger.Sync(p, Others(p)), SyncLedger.Reported(result));
        }
        await Task.WhenAll(all.Select(p => CheckFigures(p, Others(p))));

        // Later still: the vendor stops sharing its opportunities with the SI, and account owners
        // changed in its CRM. The opportunities leave the SI partnership, and the ISV sees the new owners.
        vendor.Shares["si"] = [new(C, SharingLevel.Overlaps)];
        (await vendor.Cli.Run(["partnerships", "rules", si.Id, .. vendor.RuleArguments(si)])).Ok();
        plan.ChangeVendorOwners();
        vendor.Exports = [SalesforceAccounts("vendor-accounts.csv", world, plan.Shuffle(plan.VendorAccounts)), SalesforceOpportunities("vendor-opportunities.csv", world, plan.Shuffle(plan.VendorOpportunities))];
        var narrowed = (await vendor.Cli.Run(vendor.SyncArguments(vendor.WriteExports()))).Ok();
        var expectedNarrowing = ledger.Sync(vendor, Others(vendor));
        Assert.Equal(expectedNarrowing, SyncLedger.Reported(narrowed));
        Assert.Contains(expectedNarrowing, e => e.Counterpart == isv.Id && e is { Added: 0, Removed: 0, FieldsSealed: 5 });
        Assert.Contains(expectedNarrowing, e => e.Counterpart == si.Id && e is { Added: 0, Removed: > 0 });
        await Task.WhenAll(all.Select(p => CheckFigures(p, Others(p))));

        // Nothing is stored or sent twice: the node holds exactly the current lists, and its uploads
        // add up to what changed, sync by sync.
        await using (var db = NpgsqlDataSource.Create(cs))
            foreach (var me in all)
                foreach (var them in Others(me))
                {
                    await using (var uploads = db.CreateCommand("""
                        SELECT coalesce(sum(declared_count) FILTER (WHERE kind = 'add'), 0), coalesce(sum(declared_count) FILTER (WHERE kind = 'remove'), 0),
                               coalesce(sum(declared_count) FILTER (WHERE kind = 'fields'), 0), count(*) FILTER (WHERE committed_at IS NULL)
                          FROM psi_uploads WHERE owner = $1 AND partnership LIKE '%' || $2 || '%'
                        """))
                    {
                        uploads.Parameters.Add(new() { Value = me.Id });
                        uploads.Parameters.Add(new() { Value = them.Id });
                        await using var sums = await uploads.ExecuteReaderAsync();
                        await sums.ReadAsync();
                        Assert.Equal((ledger.Totals[(me.Label, them.Label)], 0L), ((sums.GetInt64(0), sums.GetInt64(1), sums.GetInt64(2)), sums.GetInt64(3)));
                    }
                    await using var cmd = db.CreateCommand("SELECT count(*), count(DISTINCT point) FROM psi_records WHERE owner = $1 AND partnership LIKE '%' || $2 || '%'");
                    cmd.Parameters.Add(new() { Value = me.Id });
                    cmd.Parameters.Add(new() { Value = them.Id });
                    await using var reader = await cmd.ExecuteReaderAsync();
                    await reader.ReadAsync();
                    var sent = Truth.Sent(me, them);
                    Assert.Equal(sent.Count, reader.GetInt64(0));
                    Assert.Equal(sent.Select(a => a.Key).Distinct().Count(), reader.GetInt64(1));
                }

        // Privacy: no name, domain, name key, e-mail address or shared field value that went into
        // the clients is anywhere in the database or in what the node wrote.
        var dump = await SecretsTests.DumpDatabase(cs);
        Assert.Contains(vendor.Name, dump); // the scan does see the node's data
        var haystack = (dump + "\n" + node.Output).ToLowerInvariant();
        var plaintext = world.Companies
            .SelectMany(c => new[] { c.Name, c.Domain, c.UnicodeDomain, c.NameKey, c.Owner, c.Consultant, $"{c.First.ToUpperInvariant()} {c.Second.ToUpperInvariant()} {c.Id:D4}" })
            .Concat(world.FreeMailAddresses).Concat(world.Extra)
            .OfType<string>().Distinct().ToList();
        Assert.True(plaintext.Count > 1500, $"{plaintext.Count} plaintext values to look for");
        var leaked = plaintext.Where(s => haystack.Contains(s.ToLowerInvariant(), StringComparison.Ordinal)).ToList();
        Assert.True(leaked.Count == 0, $"Plaintext found on the node: {string.Join(", ", leaked.Take(20))}");
    }

    /// <summary>The hygiene report of each file, its problems by line number, and the size of the list.</summary>
    private static void CheckImport(Party p, List<string> paths, CliResult result)
    {
        var problems = new Dictionary<string, SortedSet<long>>();
        string? current = null;
        foreach (var line in result.Stderr.Split('\n'))
        {
            if (paths.FirstOrDefault(path => line.StartsWith(path + " (", StringComparison.Ordinal)) is { } file) problems[current = file] = [];
            else if (current is not null && ProblemLine().Match(line) is { Success: true } m) problems[current].Add(long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        for (var i = 0; i < paths.Count; i++)
        {
            var export = p.Exports[i];
            var rows = export.Rows.Where(r => r.Fate == Fate.Row).ToList();
            var keys = rows.Select(r => r.Key(p.NameKeys)).OfType<string>().ToList();
            var distinct = keys.Distinct().Count();
            Assert.Contains($"{paths[i]} ({export.Format}): {rows.Count} rows read, {distinct} keys made, {keys.Count - distinct} duplicates folded, {rows.Count - keys.Count} rows without a key\n", result.Stderr);
            Assert.Equal(export.Rows.Where(r => r.Fate == Fate.Problem).Select(r => r.Line), problems[paths[i]]);
        }
        Assert.Contains($"My list: {p.Accounts().Count} accounts in ", result.Stderr);
    }

    /// <summary>Every figure of overlaps, whitespace, shared and each matrix, as the partner's CLI prints them in JSON.</summary>
    private static async Task CheckFigures(Party me, Party[] partners)
    {
        var overlaps = Truth.Overlaps(me, partners);
        var run = (await me.Cli.Run("overlaps", "-o", "json")).Ok();
        var printed = run.Read<List<OverlapJson>>();
        Truth.Same(overlaps.Select(Truth.Line), printed.Select(Truth.Line), $"{me.Name}: overlaps");
        // Each overlap shows my record id and the reference `cosell rooms open --from-overlap` takes, in every format.
        var references = run.Read<List<OverlapReferenceJson>>();
        Assert.All(references, r => Assert.Matches("^[0-9a-f]{32}$", r.RecordId));
        Assert.All(references, r => Assert.Equal($"{r.Partner}:{r.RecordId}", r.Reference));
        Assert.Equal(references.Count, references.Select(r => r.Reference).Distinct().Count());
        var table = (await me.Cli.Run("overlaps")).Ok().Stdout;
        var csv = (await me.Cli.Run("overlaps", "-o", "csv")).Ok().Stdout;
        Assert.All(references, r => Assert.Contains(r.Reference, table));
        Assert.All(references, r => Assert.Contains($",{r.Reference}\n", csv));

        var whitespace = (await me.Cli.Run("whitespace", "-o", "json")).Ok().Read<List<OverlapJson>>();
        Truth.Same(Truth.Whitespace(overlaps).Select(Truth.Line), whitespace.Select(Truth.Line), $"{me.Name}: whitespace");

        var shared = (await me.Cli.Run("shared", "-o", "json")).Ok().Read<List<SharedJson>>();
        Truth.Same(Truth.Shared(overlaps).Select(Truth.Line), shared.Select(Truth.Line), $"{me.Name}: shared");

        foreach (var them in partners)
        {
            var cells = (await me.Cli.Run("matrix", them.Id, "-o", "json")).Ok().Read<List<CellJson>>();
            Truth.Same(Truth.Matrix(me, them), cells.Select(Truth.Cell).Order(StringComparer.Ordinal), $"{me.Name}: matrix with {them.Name}");
        }
    }

    [GeneratedRegex(@"^  line (\d+): ")]
    private static partial Regex ProblemLine();

    /// <summary>
    /// Who has which company in which population: planted overlaps between every pair and all
    /// three, populations chosen so that matrix cells fall under and over the minimum segment
    /// sizes, whitespace each way, accounts in two populations, name-key matches, duplicates,
    /// and noise (free-mail, garbage, problems, skipped rows, lists' own accounts).
    /// </summary>
    private sealed class Plan(World world)
    {
        public List<Entry> VendorAccounts { get; } = [];
        public List<Entry> VendorOpportunities { get; } = [];
        public List<Entry> Isv { get; } = [];
        public List<Entry> Si { get; } = [];

        private readonly List<Company> _vendorProspectsOnly = [];
        private readonly List<Company> _siCustomersOnly = [];
        private readonly List<Company> _isvOwn = [];
        private readonly Dictionary<string, List<Company>> _groups = [];

        private Look AnyLook() => world.Next(2) == 0 ? Look.Clean : Look.Messy;

        public void Build()
        {
            Group("vc-ic", 12, "c", "c", null);
            Group("vc-ip", 9, "c", "p", null);
            Group("vc-io", 3, "c", "o", null);
            Group("vp-ic", 7, "p", "c", null);
            Group("vp-io", 6, "p", "o", null);
            Group("vo-ic", 5, "o", "c", null);
            Group("vo-ip", 8, "o", "p", null);
            Group("vc-sc", 10, "c", null, "c");
            Group("vc-so", 6, "c", null, "o");
            Group("vo-sc", 4, "o", null, "c");
            Group("vp-sc", 5, "p", null, "c");
            Group("vc-sp", 3, "c", null, "p");
            Group("vo-sp", 9, "o", null, "p");
            Group("ic-sc", 6, null, "c", "c");
            Group("ip-sc", 5, null, "p", "c");
            Group("io-sc", 4, null, "o", "c");
            Group("ic-so", 3, null, "c", "o");
            Group("vc-ic-sc", 8, "c", "c", "c");
            Group("vc-ip-so", 4, "c", "p", "o");
            Group("vp-ic-sc", 3, "p", "c", "c");
            Group("vco-ic", 4, "c+o", "c", null);
            Group("ic+p-sp", 3, null, "c+p", "p");

            // The vendor writes internationalized domains in punycode, the SI in Unicode.
            for (var i = 0; i < 2; i++)
            {
                var c = world.NewCompany(idn: true, tld: "de");
                VendorAccounts.Add(new Entry(c with { UnicodeDomain = null }, "customers", Look.Clean));
                Si.Add(new Entry(c, "customers", world.Next(2) == 0 ? Look.Clean : Look.Messy));
            }
            // Name-key matches: the ISV has only the name, the SI a useless website and the name in capitals.
            for (var i = 0; i < 3; i++)
            {
                var c = world.NewCompany();
                Isv.Add(new Entry(c, "customers", Look.NameOnly));
                Si.Add(new Entry(c, "customers", Look.Garbage, ShoutName: true));
            }
            // The ISV's CRM has companies without a name; the CLI shows their domain instead.
            for (var i = 0; i < 2; i++)
            {
                var c = world.NewCompany();
                VendorAccounts.Add(new Entry(c, "customers", AnyLook()));
                Isv.Add(new Entry(c, "customers", Look.Clean, NoName: true));
            }
            // The same company twice in one file: folded, the first row wins.
            foreach (var c in _groups["vc-ic"].Take(2))
                VendorAccounts.Add(new Entry(c, "customers", Look.Messy));
            // Closed-won deals of accounts that are customers already, and of customers only the opportunity report has.
            foreach (var c in _groups["vc-ic"].Skip(4).Take(3))
                VendorOpportunities.Add(new Entry(c, "customers", AnyLook()));
            for (var i = 0; i < 4; i++)
            {
                var c = world.NewCompany();
                VendorOpportunities.Add(new Entry(c, "customers", AnyLook()));
                Isv.Add(new Entry(c, "customers", AnyLook()));
            }
            // Closed-lost deals with companies the SI has as customers: no overlap.
            for (var i = 0; i < 3; i++)
            {
                var c = world.NewCompany();
                VendorOpportunities.Add(new Entry(c, "opportunities", AnyLook(), Plant.Skipped));
                Si.Add(new Entry(c, "customers", AnyLook()));
            }
            // A company name with the delimiter in it, quoted, overlapping.
            {
                var c = world.NewCompany();
                c = c with { Name = $"{c.First}; {c.Second} {c.Id:D4} GmbH" };
                world.Companies.Add(c);
                VendorAccounts.Add(new Entry(c, "customers", AnyLook()));
                Si.Add(new Entry(c, "customers", AnyLook()));
            }

            // Each list's own accounts.
            for (var i = 0; i < 120; i++) VendorAccounts.Add(new Entry(world.NewCompany(), "customers", AnyLook()));
            for (var i = 0; i < 80; i++)
            {
                var c = world.NewCompany();
                _vendorProspectsOnly.Add(c);
                VendorAccounts.Add(new Entry(c, "prospects", AnyLook()));
            }
            for (var i = 0; i < 40; i++) VendorOpportunities.Add(new Entry(world.NewCompany(), "opportunities", AnyLook()));
            foreach (var (population, count) in new[] { ("customers", 70), ("prospects", 70), ("opportunities", 30) })
                for (var i = 0; i < count; i++)
                {
                    var c = world.NewCompany();
                    _isvOwn.Add(c);
                    Isv.Add(new Entry(c, population, AnyLook()));
                }
            foreach (var (population, count) in new[] { ("customers", 60), ("prospects", 50), ("opportunities", 30) })
                for (var i = 0; i < count; i++)
                {
                    var c = world.NewCompany();
                    if (population == "customers") _siCustomersOnly.Add(c);
                    Si.Add(new Entry(c, population, AnyLook()));
                }
            // Names only the ISV has (no match anywhere).
            for (var i = 0; i < 3; i++) Isv.Add(new Entry(world.NewCompany(), "prospects", Look.NameOnly));

            // Noise.
            Noise(VendorAccounts, "customers", freeMail: 4, garbage: 4);
            VendorAccounts.Add(new Entry(world.NewCompany(), "customers", AnyLook(), Plant.Skipped));
            VendorAccounts.Add(new Entry(world.NewCompany(), "customers", AnyLook(), Plant.Skipped));
            VendorOpportunities.Add(new Entry(world.NewCompany(), "opportunities", AnyLook(), Plant.UnknownPopulation));
            VendorOpportunities.Add(new Entry(world.NewCompany(), "opportunities", AnyLook(), Plant.ExtraField));
            Noise(Isv, "prospects", freeMail: 4, garbage: 4);
            Isv.Add(new Entry(world.NewCompany(), "prospects", Look.Garbage, NoName: true));
            Noise(Si, "prospects", freeMail: 3, garbage: 3);
            Si.Add(new Entry(world.NewCompany(), "customers", AnyLook(), Plant.Skipped));
            Si.Add(new Entry(world.NewCompany(), "customers", AnyLook(), Plant.Skipped));
        }

        /// <summary>
        /// The ISV's CRM a while later: five accounts gone (two that overlapped with the vendor,
        /// one with both partners, one with the SI, one of its own), six new (three the vendor
        /// has as prospects, two the SI has as customers, one new), one prospect now a customer.
        /// </summary>
        public void ChangeIsv()
        {
            var gone = new HashSet<Company>([.. _groups["vc-ic"].Skip(8).Take(2), _groups["vc-ic-sc"][0], _groups["ip-sc"][0]]);
            gone.Add(_isvOwn[0]);
            Isv.RemoveAll(e => gone.Contains(e.Company));
            foreach (var c in _vendorProspectsOnly.Take(3)) Isv.Add(new Entry(c, "customers", AnyLook()));
            foreach (var c in _siCustomersOnly.Take(2)) Isv.Add(new Entry(c, "prospects", AnyLook()));
            Isv.Add(new Entry(world.NewCompany(), "opportunities", AnyLook()));
            var moved = _groups["vc-ip"][0];
            var at = Isv.FindIndex(e => e.Company == moved);
            Isv[at] = Isv[at] with { Population = "customers" };
        }

        /// <summary>Five of the vendor's customers that the ISV also has got a new account owner.</summary>
        public void ChangeVendorOwners()
        {
            var changed = _groups["vc-ic-sc"].Take(3).Concat(_groups["vc-ip"].Skip(1).Take(2)).ToHashSet();
            for (var i = 0; i < VendorAccounts.Count; i++)
                if (changed.Contains(VendorAccounts[i].Company))
                {
                    var owner = $"Quillon Ravensmark {VendorAccounts[i].Company.Id}";
                    world.Extra.Add(owner);
                    VendorAccounts[i] = VendorAccounts[i] with { Company = VendorAccounts[i].Company with { Owner = owner } };
                }
        }

        public List<Entry> Shuffle(List<Entry> entries)
        {
            var list = entries.ToList();
            for (var i = list.Count - 1; i > 0; i--)
            {
                var j = world.Next(i + 1);
                (list[i], list[j]) = (list[j], list[i]);
            }
            return list;
        }

        private void Group(string name, int count, string? vendor, string? isv, string? si)
        {
            var companies = _groups[name] = [];
            for (var i = 0; i < count; i++)
            {
                var c = world.NewCompany();
                companies.Add(c);
                foreach (var p in Populations(vendor))
                    (p == "opportunities" ? VendorOpportunities : VendorAccounts).Add(new Entry(c, p, AnyLook()));
                foreach (var p in Populations(isv)) Isv.Add(new Entry(c, p, AnyLook()));
                foreach (var p in Populations(si)) Si.Add(new Entry(c, p, AnyLook()));
            }
        }

        private void Noise(List<Entry> list, string population, int freeMail, int garbage)
        {
            for (var i = 0; i < freeMail; i++) list.Add(new Entry(world.NewCompany(), population, Look.FreeMail));
            for (var i = 0; i < garbage; i++) list.Add(new Entry(world.NewCompany(), population, Look.Garbage));
            if (list != VendorOpportunities)
            {
                list.Add(new Entry(world.NewCompany(), population, AnyLook(), Plant.UnknownPopulation));
                list.Add(new Entry(world.NewCompany(), population, AnyLook(), Plant.NoWebsiteOrName));
                list.Add(new Entry(world.NewCompany(), population, AnyLook(), Plant.ExtraField));
            }
        }

        private static IEnumerable<string> Populations(string? spec) =>
            spec is null ? [] : spec.Split('+').Select(s => s switch { "c" => "customers", "p" => "prospects", _ => "opportunities" });
    }
}
