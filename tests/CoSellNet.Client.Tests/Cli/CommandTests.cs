using System.Net;
using System.Text.Json;
using CoSellNet.Cli.App;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Protocol;

namespace CoSellNet.Client.Tests.Cli;

/// <summary><c>cosell</c> command lines parsed and run in-process against a stub node.</summary>
public sealed class CommandTests
{
    [Fact]
    public async Task Partnerships_rules_sends_the_parsed_rules_and_shows_the_result()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.OK, Samples.Partnership())).Configured();

        var r = await cli.Run("partnerships", "rules", Samples.ThemId, "--rule", "customers=overlaps", "--rule", "prospects=counts:5");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        var request = Assert.Single(cli.Node.Received);
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal($"/api/v1/partnerships/{Samples.ThemId}/rules", request.PathAndQuery);
        Assert.Equal("""{"rules":[{"population":"customers","level":"overlaps","minSegmentSize":0},{"population":"prospects","level":"counts","minSegmentSize":5}]}""", request.Body);
        Assert.Contains("customers=overlaps, prospects=counts:5", r.Out);
    }

    [Fact]
    public async Task A_bad_rule_is_a_usage_error_and_nothing_is_sent()
    {
        using var cli = new CliRun().Configured();

        var r = await cli.Run("partnerships", "rules", Samples.ThemId, "--rule", "customers=everything");

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("'everything' in 'customers=everything' is not a sharing level; use one of none, counts, overlaps, fields.", r.Error);
        Assert.Contains("cosell partnerships rules --help", r.Error);
        Assert.Empty(cli.Node.Received);
    }

    [Fact]
    public async Task Rules_needs_rules_or_none_and_none_clears_them()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.OK, Samples.Partnership())).Configured();

        var nothing = await cli.Run("partnerships", "rules", Samples.ThemId);
        var both = await cli.Run("partnerships", "rules", Samples.ThemId, "--rule", "customers=counts", "--none");
        var clear = await cli.Run("partnerships", "rules", Samples.ThemId, "--none");

        Assert.Equal(ExitCodes.Usage, nothing.ExitCode);
        Assert.Contains("--none to share nothing", nothing.Error);
        Assert.Equal(ExitCodes.Usage, both.ExitCode);
        Assert.Equal(ExitCodes.Ok, clear.ExitCode);
        Assert.Equal("""{"rules":[]}""", Assert.Single(cli.Node.Received).Body);
    }

    [Fact]
    public async Task Propose_sends_motions_and_rules_and_checks_motion_names()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.Created, Samples.Partnership(PartnershipStatus.Proposed))).Configured();

        var bad = await cli.Run("partnerships", "propose", Samples.ThemId, "--motion", "cosell");
        var good = await cli.Run("partnerships", "propose", Samples.ThemId, "--motion", "co-sell", "--rule", "customers=overlaps");

        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Contains("'cosell' is not a motion; use co-sell, referral, resell.", bad.Error);
        Assert.Equal(ExitCodes.Ok, good.ExitCode);
        var request = Assert.Single(cli.Node.Received);
        Assert.Equal("/api/v1/partnerships", request.PathAndQuery);
        Assert.Equal($$"""{"counterpartId":"{{Samples.ThemId}}","motions":["co-sell"],"rules":[{"population":"customers","level":"overlaps","minSegmentSize":0}]}""", request.Body);
    }

    [Fact]
    public async Task Ending_and_rotating_need_confirmation()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.OK, Samples.Partnership(PartnershipStatus.Ended))).Configured();

        var unconfirmed = await cli.Run("partnerships", "end", Samples.ThemId);
        Assert.Equal(ExitCodes.Usage, unconfirmed.ExitCode);
        Assert.Contains("Pass --yes", unconfirmed.Error);
        Assert.Empty(cli.Node.Received);

        var confirmed = await cli.Run("partnerships", "end", Samples.ThemId, "--yes");
        Assert.Equal(ExitCodes.Ok, confirmed.ExitCode);
        Assert.EndsWith("/end", Assert.Single(cli.Node.Received).PathAndQuery);
    }

    [Fact]
    public async Task Lists_walk_every_page_and_print_csv_on_request()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, new Page<PartnershipView>([Samples.Partnership(epoch: 1)], "c1"))
            .Json(HttpStatusCode.OK, new Page<PartnershipView>([Samples.Partnership(epoch: 2)], null));
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("partnerships", "list", "--output", "csv");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal("Counterpart,Name,Status,Epoch,My motions,My rules,Their motions,Their rules,Updated", r.Lines[0]);
        Assert.Equal(3, r.Lines.Length);
        Assert.StartsWith($"{Samples.ThemId},Beta Services,active,2,co-sell,\"customers=overlaps, prospects=counts:5\"", r.Lines[2]);
        Assert.Equal(2, cli.Node.Received.Count);
    }

    [Fact]
    public async Task Directory_filters_by_type_and_search_and_limits_the_items_shown()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, new Page<DirectoryEntry>([Samples.Entry(), Samples.Entry("7c6d5e4f", "Gamma")], "more"));
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("directory", "--type", "technology", "--search", "acme", "--limit", "1", "-o", "json");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal("/api/v1/directory?type=technology&search=acme&limit=500", Assert.Single(cli.Node.Received).PathAndQuery);
        using var json = JsonDocument.Parse(r.Out);
        Assert.Equal(Samples.MeId, Assert.Single(json.RootElement.EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_unknown_partner_type_is_a_usage_error_listing_the_types()
    {
        using var cli = new CliRun().Configured();

        var r = await cli.Run("directory", "--type", "wizard");

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("'wizard' is not a valid type; use one of: vendor, reseller, referral, influence, technology, service.", r.Error);
    }

    [Theory]
    [InlineData(400, ExitCodes.Usage)]
    [InlineData(401, ExitCodes.Auth)]
    [InlineData(403, ExitCodes.Auth)]
    [InlineData(404, ExitCodes.NotFound)]
    [InlineData(410, ExitCodes.NotFound)]
    [InlineData(409, ExitCodes.Conflict)]
    [InlineData(500, ExitCodes.Error)]
    public async Task Node_problems_are_printed_to_stderr_with_an_exit_code_per_kind(int status, int exitCode)
    {
        var node = new StubNode().Problem(status, $"Title {status}", $"Detail {status}: what to do.", ""","traceId":"00-trace-00" """);
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("partnerships", "accept", Samples.ThemId);

        Assert.Equal(exitCode, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Contains($"error: Title {status} ({status})", r.Error);
        Assert.Contains($"  Detail {status}: what to do.", r.Error);
        Assert.DoesNotContain(Keys.Partner.Split('_').Last(), r.Error);
        Assert.Equal(status >= 500, r.Error.Contains("Trace id: 00-trace-00", StringComparison.Ordinal));
        Assert.Equal(status == 401, r.Error.Contains("The key came from profile 'default'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validation_errors_are_listed_per_field()
    {
        var node = new StubNode().Problem(400, "Invalid request", "Fix the fields below.", ""","errors":{"tier":["is longer than 40 characters."]}""");
        using var cli = new CliRun(node).Configured(Keys.Operator);

        var r = await cli.Run("partners", "create", "--name", "Acme", "--domain", "acme.com", "--type", "vendor", "--tier", new string('t', 41));

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("  tier: is longer than 40 characters.", r.Error);
    }

    [Fact]
    public async Task Without_a_url_or_key_the_cli_says_how_to_configure_one()
    {
        using var cli = new CliRun();

        var noUrl = await cli.Run("me");
        Assert.Equal(ExitCodes.Usage, noUrl.ExitCode);
        Assert.Contains("No node URL for profile 'default'", noUrl.Error);

        var noKey = await cli.Run("me", "--url", "http://node.test");
        Assert.Equal(ExitCodes.Auth, noKey.ExitCode);
        Assert.Contains("No API key for profile 'default'", noKey.Error);
        Assert.Empty(cli.Node.Received);
    }

    [Fact]
    public async Task Environment_variables_choose_the_node_and_key()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.OK, Samples.Profile()))
            .Configured()
            .Variable(CliEnvironment.UrlVariable, "http://other.test/")
            .Variable(CliEnvironment.KeyVariable, Keys.Other);

        var r = await cli.Run("me");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal("Bearer " + Keys.Other, Assert.Single(cli.Node.Received).Authorization);
        Assert.Contains("Acme Analytics", r.Out);
        Assert.Contains("ops@acme.com", r.Out);
    }

    [Fact]
    public async Task Me_update_changes_only_what_is_given()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Samples.Profile())
            .Json(HttpStatusCode.OK, Samples.Profile());
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("me", "update", "--tier", "platinum", "--region", "emea", "--region", "apac");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal([HttpMethod.Get, HttpMethod.Put], cli.Node.Received.Select(x => x.Method));
        using var body = JsonDocument.Parse(cli.Node.Received[1].Body!);
        var root = body.RootElement;
        Assert.Equal("Acme Analytics", root.GetProperty("name").GetString());
        Assert.Equal("platinum", root.GetProperty("tier").GetString());
        Assert.Equal("technology", root.GetProperty("type").GetString());
        Assert.Equal(["emea", "apac"], root.GetProperty("capabilities").GetProperty("regions").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["saas", "fintech"], root.GetProperty("capabilities").GetProperty("industries").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("ops@acme.com", root.GetProperty("privateSettings").GetProperty("contactEmail").GetString());
        Assert.Equal("counts", root.GetProperty("privateSettings").GetProperty("defaultSharing").GetString());
    }

    [Fact]
    public async Task Me_update_without_changes_is_a_usage_error()
    {
        using var cli = new CliRun().Configured();

        var r = await cli.Run("me", "update");

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("Nothing to update", r.Error);
        Assert.Empty(cli.Node.Received);
    }

    [Fact]
    public async Task A_created_key_is_shown_once_with_a_warning()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.Created, Samples.CreatedKey())).Configured();

        var r = await cli.Run("keys", "create", "--name", "ci", "--scope", "read", "--scope", "write");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Contains(Keys.Other, r.Out);
        Assert.Contains("only time the key is shown", r.Error);
        Assert.Equal("""{"name":"ci","scopes":["read","write"]}""", Assert.Single(cli.Node.Received).Body);
    }

    [Fact]
    public async Task Keys_create_needs_a_valid_scope()
    {
        using var cli = new CliRun().Configured();

        var missing = await cli.Run("keys", "create", "--name", "ci");
        var bad = await cli.Run("keys", "create", "--name", "ci", "--scope", "root");

        Assert.Equal(ExitCodes.Usage, missing.ExitCode);
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Contains("'root' is not a scope; use read, write, admin.", bad.Error);
    }

    [Fact]
    public async Task Revoking_the_key_in_use_needs_confirmation()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.OK, Samples.Key() with { RevokedAt = Samples.Joined })).Configured();

        var r = await cli.Run("keys", "revoke", "0123456789abcdef");

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("is the key this command is using", r.Error);
        Assert.DoesNotContain(Keys.Partner, r.Error);
        Assert.Empty(cli.Node.Received);

        var other = await cli.Run("keys", "revoke", "fedcba9876543210");
        Assert.Equal(ExitCodes.Ok, other.ExitCode);
        Assert.Equal("/api/v1/keys/fedcba9876543210", Assert.Single(cli.Node.Received).PathAndQuery);
    }

    [Fact]
    public async Task Redeeming_an_invitation_stores_the_new_key_in_the_profile()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.Created, Samples.Created()));

        var r = await cli.Run("invitations", "redeem", Keys.InvitationToken, "--url", "http://node.test",
            "--name", "Beta Services", "--domain", "beta.io", "--type", "service", "--industry", "it", "--profile", "beta");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        var request = Assert.Single(cli.Node.Received);
        Assert.Null(request.Authorization);
        using (var body = JsonDocument.Parse(request.Body!))
        {
            Assert.Equal(Keys.InvitationToken, body.RootElement.GetProperty("token").GetString());
            Assert.Equal("service", body.RootElement.GetProperty("partner").GetProperty("type").GetString());
        }
        var config = new CoSellNet.Cli.Config.ConfigStore(cli.ConfigPath).Load();
        Assert.Equal(Keys.Other, config.Profiles["beta"].Key);
        Assert.Equal("http://node.test/", config.Profiles["beta"].Url);
        Assert.Equal("beta", config.DefaultProfile);
        Assert.DoesNotContain(Keys.Other, r.Out); // stored, so not printed
        Assert.Contains("csn_aaaabbbbccccdddd_fedcba9876543210_****", r.Out);
        Assert.Contains("Saved the new API key to profile 'beta'", r.Error);
    }

    [Fact]
    public async Task Redeeming_refuses_to_overwrite_a_stored_key_before_using_the_token()
    {
        using var cli = new CliRun().Configured();

        var r = await cli.Run("invitations", "redeem", Keys.InvitationToken, "--name", "Beta", "--domain", "beta.io", "--type", "service");

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("Profile 'default' already holds an API key", r.Error);
        Assert.DoesNotContain(Keys.Partner, r.Error);
        Assert.Empty(cli.Node.Received);
    }

    [Fact]
    public async Task Redeem_rejects_an_api_key_given_as_the_token()
    {
        using var cli = new CliRun();

        var r = await cli.Run("invitations", "redeem", Keys.Other, "--url", "http://node.test", "--name", "Beta", "--domain", "beta.io", "--type", "service");

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("That is an API key, not an invitation token", r.Error);
    }

    [Fact]
    public async Task Config_set_reads_the_key_from_standard_input_and_show_never_prints_it()
    {
        using var cli = new CliRun { Input = Keys.Operator + "\n" };

        var set = await cli.Run("config", "set", "--url", "http://127.0.0.1:5080", "--key", "-", "--profile", "operator");
        var show = await cli.Run("config", "show", "--profile", "operator");

        Assert.Equal(ExitCodes.Ok, set.ExitCode);
        Assert.Equal(Keys.Operator, new CoSellNet.Cli.Config.ConfigStore(cli.ConfigPath).Load().Profiles["operator"].Key);
        Assert.Equal(ExitCodes.Ok, show.ExitCode);
        Assert.Contains("csn_op_00112233aabbccdd_****", show.Out);
        Assert.DoesNotContain(Keys.Operator, show.Out + show.Error + set.Out + set.Error);
        Assert.Contains("operator (default)", show.Out);
    }

    [Fact]
    public async Task Config_set_refuses_something_that_is_not_a_key()
    {
        using var cli = new CliRun();

        var r = await cli.Run("config", "set", "--key", Keys.InvitationToken);

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("not a CoSellNet API key", r.Error);
        Assert.DoesNotContain(Keys.InvitationToken, r.Error);
        Assert.False(File.Exists(cli.ConfigPath));
    }

    [Fact]
    public async Task Config_use_switches_the_default_profile()
    {
        using var cli = new CliRun().Configured(Keys.Partner, "acme").Configured(Keys.Operator, "operator");

        var missing = await cli.Run("config", "use", "nope");
        var use = await cli.Run("config", "use", "operator");
        var show = await cli.Run("config", "show", "-o", "json");

        Assert.Equal(ExitCodes.NotFound, missing.ExitCode);
        Assert.Contains("profiles: acme, operator", missing.Error);
        Assert.Equal(ExitCodes.Ok, use.ExitCode);
        using var json = JsonDocument.Parse(show.Out);
        Assert.Equal("operator", json.RootElement.GetProperty("profile").GetString());
        Assert.Equal("csn_op_00112233aabbccdd_****", json.RootElement.GetProperty("key").GetString());
    }

    [Fact]
    public async Task A_group_without_a_subcommand_and_an_unknown_option_are_usage_errors()
    {
        using var cli = new CliRun().Configured();

        Assert.Equal(ExitCodes.Usage, (await cli.Run("partnerships")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await cli.Run("keys", "list", "--bogus")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await cli.Run("me", "-o", "xml")).ExitCode);
        Assert.Empty(cli.Node.Received);
    }

    [Fact]
    public async Task Help_exits_zero_and_lists_the_commands()
    {
        using var cli = new CliRun();

        var r = await cli.Run("partnerships", "--help");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        foreach (var sub in new[] { "list", "show", "propose", "accept", "decline", "pause", "resume", "end", "rotate", "motions", "rules", "history" })
            Assert.Contains($"  {sub} ", r.Out);
    }

    [Fact]
    public async Task An_unreachable_node_is_reported_without_the_key()
    {
        var node = new StubNode().Throw(() => new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (node.test:80)"));
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("partnerships", "list");

        Assert.Equal(ExitCodes.Error, r.ExitCode);
        Assert.Contains("could not reach the node: Connection refused", r.Error);
        Assert.Equal(4, cli.Node.Received.Count); // one attempt and three retries: a refused connection never arrived
    }
}
