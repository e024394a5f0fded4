using System.Text.Json;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Local;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Crypto;
using CoSellNet.Protocol;

namespace CoSellNet.Client.Tests.Cli;

/// <summary><c>cosell feed</c> in-process against a stub node: summaries, filters, JSON, and released records named from the local index.</summary>
public sealed class FeedCommandTests
{
    private static FeedStub Partnership() => new FeedStub()
        .Add(FeedEventTypes.PartnershipProposed, data: new { action = "proposed", by = Samples.MeId, status = "proposed", epoch = 1 })
        .Add(FeedEventTypes.PartnershipAccepted, data: new { action = "accepted", by = Samples.ThemId, status = "active", epoch = 1 })
        .Add(FeedEventTypes.PartnershipRulesChanged, data: new { action = "rules-changed", by = Samples.ThemId, status = "active", epoch = 1 })
        .Add(FeedEventTypes.PartnershipMotionsChanged, data: new { action = "motions-changed", by = Samples.MeId, detail = "co-sell,referral", status = "active", epoch = 1 });

    [Fact]
    public async Task Feed_prints_one_line_per_event_with_names_and_who_did_what()
    {
        var feed = Partnership();
        using var cli = new CliRun(feed.Node()).Configured();

        var r = await cli.Run("feed");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal(4, r.Lines.Length);
        Assert.Equal("    #1  2026-03-01 09:31:00Z  partnership.proposed        Beta Services             You proposed a partnership", r.Lines[0]);
        Assert.Contains("Beta Services accepted the partnership", r.Lines[1]);
        Assert.Contains("Beta Services changed what they share", r.Lines[2]);
        Assert.Contains("You changed motions: co-sell, referral", r.Lines[3]);
        Assert.Contains("cosell feed --after 4", r.Error);
        // The partner's name is asked for once.
        Assert.Single(cli.Node.Received, q => q.PathAndQuery.StartsWith(Routes.Directory, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Feed_after_limit_type_and_partner_select_events()
    {
        var feed = Partnership().Add(FeedEventTypes.PartnershipPaused, partner: "0123456789abcdef0123456789abcdef", data: new { action = "paused", by = "0123456789abcdef0123456789abcdef" });
        using var cli = new CliRun(feed.Node()).Configured();

        var after = await cli.Run("feed", "--after", "2", "--limit", "1", "-o", "csv");
        Assert.Equal(ExitCodes.Ok, after.ExitCode);
        Assert.Equal(2, after.Lines.Length);
        Assert.StartsWith("3,", after.Lines[1]);

        var typed = await cli.Run("feed", "--type", "partnership.accepted", "--type", "partnership.paused", "--partner", Samples.ThemId, "-o", "json");
        Assert.Equal(ExitCodes.Ok, typed.ExitCode);
        var items = JsonDocument.Parse(typed.Out).RootElement;
        Assert.Equal(2, Assert.Single(items.EnumerateArray()).GetProperty("sequence").GetInt64());
        Assert.Equal("Beta Services", items[0].GetProperty("partnerName").GetString());
        Assert.Contains(cli.Node.Received, q => q.PathAndQuery == "/api/v1/feed?after=0&limit=1000&type=partnership.accepted&type=partnership.paused");

        // An area stands for all its types.
        var area = await cli.Run("feed", "--type", "overlaps");
        Assert.Equal(ExitCodes.Ok, area.ExitCode);
        Assert.Contains("Nothing in the feed yet.", area.Out);
        Assert.Contains(cli.Node.Received, q => q.PathAndQuery == "/api/v1/feed?after=0&limit=1000&type=overlaps.released");
    }

    [Theory]
    [InlineData("feed", "--type", "partnership.exploded")]
    [InlineData("watch", "--type", "nothing")]
    [InlineData("feed", "--after", "-1")]
    [InlineData("watch", "--after", "x")]
    [InlineData("feed", "--limit", "0")]
    [InlineData("feed", "--limit", "many")]
    public async Task Bad_options_are_usage_errors_and_nothing_is_sent(params string[] args)
    {
        using var cli = new CliRun(new FeedStub().Node()).Configured();
        var r = await cli.Run(args);
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Empty(cli.Node.Received);
    }

    [Fact]
    public async Task A_release_names_my_accounts_from_the_local_index()
    {
        var known = new string('a', 32);
        var other = new string('b', 32);
        var gone = new string('c', 32);
        var notMine = new string('d', 32);
        var feed = new FeedStub()
            .Add(FeedEventTypes.OverlapsReleased, data: new { epoch = 1, releaseVersion = 2, found = new[] { known, other, notMine }, foundCount = 3, gone = new[] { gone }, goneCount = 1 })
            .Add(FeedEventTypes.OverlapsReleased, data: new { epoch = 1, releaseVersion = 3, found = Array.Empty<string>(), foundCount = 0, gone = Array.Empty<string>(), goneCount = 0 });
        using var cli = new CliRun(feed.Node()).Configured();
        var partnership = Samples.Partnership().Id;
        using (var index = LocalStore.Open(Path.Combine(Path.GetDirectoryName(cli.ConfigPath)!, "profiles", "default", "accounts.db")))
        {
            index.ReplaceAccounts([
                new LocalAccount("customers", MatchKey.Parse("d:acme.com"), "Acme Corp", "acme.com", "crm.csv:2", new Dictionary<string, string>()),
                new LocalAccount("prospects", MatchKey.Parse("d:globex.com"), null, null, "crm.csv:3", new Dictionary<string, string>()),
                new LocalAccount("customers", MatchKey.Parse("d:initech.com"), "Initech", null, "crm.csv:4", new Dictionary<string, string>()),
            ]);
            foreach (var (id, population, key) in new[] { (known, "customers", "d:acme.com"), (other, "prospects", "d:globex.com"), (gone, "customers", "d:initech.com") })
                index.Execute("INSERT INTO records (partnership, epoch, record_id, population, match_key) VALUES ($p, 1, $r, $pop, $k)", null,
                    ("$p", partnership), ("$r", Convert.FromHexString(id)), ("$pop", population), ("$k", key));
        }

        var table = await cli.Run("feed");
        Assert.Equal(ExitCodes.Ok, table.ExitCode);
        Assert.Contains("Release 2 (epoch 1) with Beta Services: found Acme Corp, globex.com and 1 more (1 not in my current list; run 'cosell sync'); gone Initech", table.Lines[0]);
        Assert.Contains("Release 3 (epoch 1) with Beta Services: no change in overlaps you can see", table.Lines[1]);

        var json = await cli.Run("feed", "-o", "json", "--limit", "1");
        var accounts = JsonDocument.Parse(json.Out).RootElement[0].GetProperty("accounts");
        Assert.Equal(["Acme Corp", "globex.com"], accounts.GetProperty("found").EnumerateArray().Select(a => a.GetProperty("account").GetString()));
        Assert.Equal("prospects", accounts.GetProperty("found")[1].GetProperty("population").GetString());
        Assert.Equal(gone, accounts.GetProperty("gone")[0].GetProperty("recordId").GetString());
    }

    [Fact]
    public async Task Without_a_local_index_a_release_gives_counts_and_says_why()
    {
        var feed = new FeedStub().Add(FeedEventTypes.OverlapsReleased, data: new { epoch = 1, releaseVersion = 1, found = new[] { new string('a', 32) }, foundCount = 1, gone = Array.Empty<string>(), goneCount = 0 });
        using var cli = new CliRun(feed.Node()).Configured();

        var r = await cli.Run("feed");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Contains("Release 1 (epoch 1) with Beta Services: 1 found, 0 gone (not named: no local index", r.Lines[0]);
        Assert.Contains("no local account index here", r.Error);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(cli.ConfigPath)!, "profiles", "default", "accounts.db")));
    }

    [Fact]
    public async Task Room_and_deal_events_are_summarised()
    {
        var feed = new FeedStub()
            .Add(FeedEventTypes.RoomMessage, data: new { message = new { sequence = 1, partnerId = Samples.ThemId, text = "Call on Tuesday?" } })
            .Add(FeedEventTypes.RoomOpportunityChanged, partner: Samples.MeId, data: new { opportunity = new { stage = "propose", amount = 12500.5m, currency = "EUR" } })
            .Add(FeedEventTypes.DealDecided, data: new { registration = new { partnerName = "Acme Analytics", vendorName = "Beta Services", account = new { name = "Globex" }, status = "approved" } });
        foreach (var e in feed.Events.ToList()) feed.Events[(int)e.Sequence - 1] = e with { Room = "r1" };
        using var cli = new CliRun(feed.Node()).Configured();

        var r = await cli.Run("feed");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.EndsWith("Beta Services: Call on Tuesday? (room r1)", r.Lines[0]);
        Assert.EndsWith("You updated the opportunity: propose, 12500.5 EUR (room r1)", r.Lines[1]);
        Assert.EndsWith("Deal registration by Acme Analytics with Beta Services on Globex: approved (room r1)", r.Lines[2]);
    }

    [Fact]
    public async Task Names_from_other_partners_cannot_drive_the_terminal()
    {
        var feed = new FeedStub().Add(FeedEventTypes.PartnershipMotionsChanged, data: new { action = "motions-changed", by = Samples.ThemId, detail = "co-sell\u001b[2J" });
        using var cli = new CliRun(feed.Node()).Configured();
        var r = await cli.Run("feed");
        Assert.DoesNotContain('\u001b', r.Out);
    }
}
