using System.Net;
using System.Text.Json;
using CoSellNet.Cli.App;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Protocol;
using static CoSellNet.Client.Tests.Support.RoomSamples;

namespace CoSellNet.Client.Tests.Cli;

/// <summary><c>cosell rooms …</c> parsed and run in-process against a stub node.</summary>
public sealed class RoomCommandTests
{
    private const string R = $"/api/v1/rooms/{RoomId}";

    [Fact]
    public async Task List_shows_each_room_with_my_role_stage_and_amount()
    {
        var invited = Room(Si, MemberStatus.Invited);
        var node = new StubNode()
            .Json(HttpStatusCode.OK, new Page<RoomView>([Room()], "next"))
            .Json(HttpStatusCode.OK, new Page<RoomView>([invited with { Id = "5ca1ab1e00000000000000000000a002" }], null))
            .Json(HttpStatusCode.OK, new Page<RoomView>([], null));
        using var cli = new CliRun(node).Configured();

        var table = await cli.Run("rooms", "list");
        var empty = await cli.Run("rooms", "list");

        Assert.Equal(ExitCodes.Ok, table.ExitCode);
        Assert.Equal(["/api/v1/rooms?limit=500", "/api/v1/rooms?cursor=next&limit=500", "/api/v1/rooms?limit=500"], cli.Node.Received.Select(x => x.PathAndQuery));
        Assert.Equal("ID                                TITLE                    ACCOUNT            DOMAIN         MY ROLE  ME        STAGE    AMOUNT          MEMBERS  UPDATED", table.Lines[0]);
        Assert.Equal($"{RoomId}  Northwind data platform  Northwind Traders  northwind.com  owner    accepted  propose  120,000.00 USD  3        2026-03-03 09:00:00Z", table.Lines[1]);
        Assert.Equal("5ca1ab1e00000000000000000000a002  Northwind data platform  Northwind Traders  northwind.com  member   invited   -        -               2        2026-03-03 09:00:00Z", table.Lines[2]);
        Assert.StartsWith("No rooms yet. Open one with 'cosell rooms open", empty.Out);
    }

    [Fact]
    public async Task Show_lists_the_members_and_the_opportunity_and_an_invitation_shows_less()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, Room()).Json(HttpStatusCode.OK, Room(Si, MemberStatus.Invited));
        using var cli = new CliRun(node).Configured();

        var member = await cli.Run("rooms", "show", RoomId.ToUpperInvariant());
        var invitee = await cli.Run("rooms", "show", RoomId);

        Assert.Equal(ExitCodes.Ok, member.ExitCode);
        Assert.Equal($"GET {R}", $"{cli.Node.Received[0].Method} {cli.Node.Received[0].PathAndQuery}"); // room ids are sent in lower case
        Assert.Contains("Account     Northwind Traders (northwind.com)", member.Out);
        Assert.Contains("Opened by   Ivy Analytics", member.Out);
        Assert.Contains("Members     Ivy Analytics (owner), Sigma Services (member), Vela Cloud (member)", member.Out);
        Assert.Contains("Amount      120,000.00 USD", member.Out);
        Assert.Contains("Close date  2026-06-30", member.Out);
        Assert.Contains("Products    Vela Data Platform, Ivy Insight", member.Out);
        Assert.Contains("Messages    7", member.Out);

        Assert.Contains("Me          invited", invitee.Out);
        Assert.Contains("Members     Ivy Analytics (owner), Sigma Services (member, invited), Vela Cloud (member)", invitee.Out);
        Assert.Contains("Stage       -", invitee.Out);
        Assert.Contains("Messages    -", invitee.Out);
    }

    [Fact]
    public async Task Open_sends_the_account_the_overlap_and_the_opportunity_and_says_what_next()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.Created, Room())).Configured();

        var r = await cli.Run("rooms", "open", "--domain", "https://www.northwind.com/", "--name", "Northwind Traders", "--title", "Northwind data platform",
            "--from-overlap", $"{Si}:00112233445566778899AABBCCDDEEFF", "--stage", "develop", "--amount", "120000.50", "--currency", "usd",
            "--close-date", "2026-06-30", "--product", "Ivy Insight", "--product", "Vela Data Platform", "--product", "Ivy Insight");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        var post = Assert.Single(cli.Node.Received);
        Assert.Equal((HttpMethod.Post, "/api/v1/rooms"), (post.Method, post.PathAndQuery));
        Assert.Equal(
            $$$"""{"account":{"domain":"https://www.northwind.com/","name":"Northwind Traders"},"title":"Northwind data platform","fromOverlap":{"counterpartId":"{{{Si}}}","recordId":"00112233445566778899aabbccddeeff"},"opportunity":{"stage":"develop","amount":120000.50,"currency":"USD","closeDate":"2026-06-30","products":["Ivy Insight","Vela Data Platform"]}}""",
            post.Body);
        Assert.Contains($"Id          {RoomId}", r.Out);
        Assert.Contains($"Opened room {RoomId}. Invite partners with 'cosell rooms invite {RoomId} <partner-id>'.", r.Error);
    }

    [Fact]
    public async Task Open_without_an_opportunity_sends_none()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.Created, Room())).Configured();

        var r = await cli.Run("rooms", "open", "--domain", "northwind.com", "--name", "Northwind Traders", "-o", "json");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal("""{"account":{"domain":"northwind.com","name":"Northwind Traders"},"title":null,"fromOverlap":null,"opportunity":null}""", cli.Node.Received[0].Body);
        using var json = JsonDocument.Parse(r.Out);
        Assert.Equal(RoomId, json.RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Invite_accept_decline_and_role()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.Created, Member(Si, RoomRole.Member, MemberStatus.Invited))
            .Json(HttpStatusCode.Created, Member(Vendor, RoomRole.Viewer, MemberStatus.Invited))
            .Json(HttpStatusCode.OK, Room(Si))
            .Json(HttpStatusCode.OK, Room(Si, MemberStatus.Declined))
            .Json(HttpStatusCode.OK, Member(Si, RoomRole.Owner));
        using var cli = new CliRun(node).Configured();

        var invite = await cli.Run("rooms", "invite", RoomId, Si);
        var viewer = await cli.Run("rooms", "invite", RoomId, Vendor, "--role", "viewer");
        var accept = await cli.Run("rooms", "accept", RoomId);
        var decline = await cli.Run("rooms", "decline", RoomId);
        var role = await cli.Run("rooms", "role", RoomId, Si, "--role", "owner");

        Assert.All([invite, viewer, accept, decline, role], x => Assert.Equal(ExitCodes.Ok, x.ExitCode));
        Assert.Equal(
        [
            (HttpMethod.Post, $"{R}/members", $$"""{"partnerId":"{{Si}}","role":"member"}"""),
            (HttpMethod.Post, $"{R}/members", $$"""{"partnerId":"{{Vendor}}","role":"viewer"}"""),
            (HttpMethod.Post, $"{R}/accept", null),
            (HttpMethod.Post, $"{R}/decline", null),
            (HttpMethod.Put, $"{R}/members/{Si}/role", """{"role":"owner"}"""),
        ], cli.Node.Received.Select(x => (x.Method, x.PathAndQuery, x.Body)));
        Assert.Contains("Status      invited", invite.Out);
        Assert.Contains("Role        viewer", viewer.Out);
        Assert.Contains("Me          accepted", accept.Out);
        Assert.Contains("Me          declined", decline.Out);
        Assert.Contains("Role        owner", role.Out);
    }

    [Fact]
    public async Task Leave_removes_my_own_partner_and_remove_the_one_named()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Profile(Si, "Sigma Services", PartnerType.Service))
            .Answer(_ => new HttpResponseMessage(HttpStatusCode.NoContent))
            .Answer(_ => new HttpResponseMessage(HttpStatusCode.NoContent));
        using var cli = new CliRun(node).Configured();

        var leave = await cli.Run("rooms", "leave", RoomId);
        var remove = await cli.Run("rooms", "remove", RoomId, Vendor);

        Assert.All([leave, remove], x => Assert.Equal(ExitCodes.Ok, x.ExitCode));
        Assert.Equal(
        [
            (HttpMethod.Get, "/api/v1/partners/me"),
            (HttpMethod.Delete, $"{R}/members/{Si}"),
            (HttpMethod.Delete, $"{R}/members/{Vendor}"),
        ], cli.Node.Received.Select(x => (x.Method, x.PathAndQuery)));
        Assert.Contains($"Sigma Services left room {RoomId}.", leave.Error);
        Assert.Contains($"Removed {Vendor} from room {RoomId}.", remove.Error);
    }

    [Fact]
    public async Task The_last_member_refused_by_the_open_registration_rule_exits_5_with_the_nodes_words()
    {
        const string detail = "Rule 'last-member-keeps-deal': you are the last member of this room, and its registration is pending.";
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Profile(Isv, "Ivy Analytics", PartnerType.Technology))
            .Problem(409, "Last member of a room with an open deal registration", detail, ""","rule":"last-member-keeps-deal" """);
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("rooms", "leave", RoomId);

        Assert.Equal(ExitCodes.Conflict, r.ExitCode);
        Assert.Contains("error: Last member of a room with an open deal registration (409)", r.Error);
        Assert.Contains(detail, r.Error);
    }

    [Fact]
    public async Task Members_names_who_invited_whom()
    {
        var node = new StubNode().Json(HttpStatusCode.OK, new Page<RoomMember>([Member(Isv), Member(Si, status: MemberStatus.Invited)], null));
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("rooms", "members", RoomId);

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal("PARTNER                           NAME            TYPE        ROLE    STATUS    INVITED BY     INVITED               ANSWERED", r.Lines[0]);
        Assert.Equal($"{Si}  Sigma Services  service     member  invited   Ivy Analytics  2026-03-02 09:05:00Z  -", r.Lines[2]);
    }

    [Fact]
    public async Task Say_posts_the_text_or_standard_input()
    {
        var node = new StubNode().Json(HttpStatusCode.Created, Message(8, Isv, "Kick-off Tuesday?"));
        using var cli = new CliRun(node).Configured();

        var said = await cli.Run("rooms", "say", RoomId, "Kick-off Tuesday?");
        cli.Input = "Agenda:\n- scope\n- pricing\n\n";
        var piped = await cli.Run("rooms", "say", RoomId, "-");

        Assert.Equal(ExitCodes.Ok, said.ExitCode);
        Assert.Equal(ExitCodes.Ok, piped.ExitCode);
        Assert.Equal([(HttpMethod.Post, $"{R}/messages", """{"text":"Kick-off Tuesday?"}"""), (HttpMethod.Post, $"{R}/messages", """{"text":"Agenda:\n- scope\n- pricing"}""")],
            cli.Node.Received.Select(x => (x.Method, x.PathAndQuery, x.Body)));
        Assert.Contains("Seq   8", said.Out);
        Assert.Contains("Text  Kick-off Tuesday?", said.Out);
    }

    [Fact]
    public async Task Messages_name_their_senders_and_limit_keeps_the_most_recent()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Room())
            .Json(HttpStatusCode.OK, new Page<RoomMessage>([Message(3, Vendor, "Welcome"), Message(4, "0ff0000000000000000000000000000d", "(gone)")], null))
            .Json(HttpStatusCode.OK, new Page<RoomMessage>([Message(2, Si, "Hello")], null))
            .Json(HttpStatusCode.OK, new Page<RoomMessage>([Message(1, Isv, "Hi all")], "m1"))
            .Json(HttpStatusCode.OK, new Page<RoomMessage>([Message(2, Si, "Hello")], null));
        using var cli = new CliRun(node).Configured();

        var table = await cli.Run("rooms", "messages", RoomId, "--limit", "3");
        var json = await cli.Run("rooms", "messages", RoomId, "-o", "json");

        Assert.Equal(ExitCodes.Ok, table.ExitCode);
        // --limit reads backward from the latest (here in two pages, as a node may answer short); without it, everything forward.
        Assert.Equal([R, $"{R}/messages?before={long.MaxValue}&limit=3", $"{R}/messages?before=3&limit=1", $"{R}/messages?limit=500", $"{R}/messages?cursor=m1&limit=500"],
            cli.Node.Received.Select(x => x.PathAndQuery));
        Assert.Equal(
        [
            "SEQ  AT                    FROM                              TEXT",
            "2    2026-03-02 09:02:00Z  Sigma Services                    Hello",
            "3    2026-03-02 09:03:00Z  Vela Cloud                        Welcome",
            "4    2026-03-02 09:04:00Z  0ff0000000000000000000000000000d  (gone)",
        ], table.Lines);
        using var doc = JsonDocument.Parse(json.Out); // JSON is the node's: partner ids, no lookup of names
        Assert.Equal(Isv, doc.RootElement[0].GetProperty("partnerId").GetString());
    }

    [Fact]
    public async Task Tasks_are_listed_added_done_and_changed()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Room())
            .Json(HttpStatusCode.OK, new Page<RoomTask>([RoomSamples.Task()], null))
            .Json(HttpStatusCode.Created, RoomSamples.Task())
            .Json(HttpStatusCode.OK, RoomSamples.Task(1, RoomTaskStatus.Done))
            .Json(HttpStatusCode.OK, RoomSamples.Task(1, RoomTaskStatus.Cancelled));
        using var cli = new CliRun(node).Configured();

        var list = await cli.Run("rooms", "tasks", RoomId, "-o", "csv");
        var add = await cli.Run("rooms", "task", "add", RoomId, "--title", "Security review", "--owner", Si, "--due", "2026-03-20");
        var done = await cli.Run("rooms", "task", "done", RoomId, "1");
        var update = await cli.Run("rooms", "task", "update", RoomId, "1", "--status", "cancelled", "--due", "2026-04-01");

        Assert.All([list, add, done, update], x => Assert.Equal(ExitCodes.Ok, x.ExitCode));
        Assert.Equal(["Id,Title,Owner,Due,Status,Created by,Updated", "1,Security review,Sigma Services,2026-03-20,open,Ivy Analytics (me),2026-03-02 11:00:00Z"], list.Lines);
        Assert.Equal(
        [
            (HttpMethod.Post, $"{R}/tasks", $$"""{"title":"Security review","ownerId":"{{Si}}","dueDate":"2026-03-20"}"""),
            (HttpMethod.Patch, $"{R}/tasks/1", """{"title":null,"ownerId":null,"dueDate":null,"status":"done"}"""),
            (HttpMethod.Patch, $"{R}/tasks/1", """{"title":null,"ownerId":null,"dueDate":"2026-04-01","status":"cancelled"}"""),
        ], cli.Node.Received.Skip(2).Select(x => (x.Method, x.PathAndQuery, x.Body)));
        Assert.Contains("Status      done", done.Out);
    }

    [Fact]
    public async Task Task_add_leaves_the_owner_to_the_node_when_not_given()
    {
        using var cli = new CliRun(new StubNode().Json(HttpStatusCode.Created, RoomSamples.Task())).Configured();

        var r = await cli.Run("rooms", "task", "add", RoomId, "--title", "Pricing");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal("""{"title":"Pricing","ownerId":null,"dueDate":null}""", cli.Node.Received[0].Body);
    }

    [Fact]
    public async Task Opportunity_shows_without_options_and_changes_only_what_is_given()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Opportunity())
            .Json(HttpStatusCode.OK, Room())
            .Json(HttpStatusCode.OK, Opportunity(OpportunityStage.Negotiate))
            .Json(HttpStatusCode.OK, Opportunity(OpportunityStage.Negotiate) with { Products = [] });
        using var cli = new CliRun(node).Configured();

        var show = await cli.Run("rooms", "opportunity", RoomId);
        var stage = await cli.Run("rooms", "opportunity", RoomId, "--stage", "negotiate", "--amount", "150000", "--currency", "eur", "--close-date", "2026-07-15");
        var clear = await cli.Run("rooms", "opportunity", RoomId, "--clear-products");

        Assert.All([show, stage, clear], x => Assert.Equal(ExitCodes.Ok, x.ExitCode));
        Assert.Contains("Stage       propose", show.Out);
        Assert.Contains("Amount      120,000.00 USD", show.Out);
        Assert.Contains("Updated by  Sigma Services", show.Out);
        Assert.Equal(
        [
            (HttpMethod.Get, $"{R}/opportunity", null),
            (HttpMethod.Get, R, null),
            (HttpMethod.Patch, $"{R}/opportunity", """{"stage":"negotiate","amount":150000,"currency":"EUR","closeDate":"2026-07-15","products":null}"""),
            (HttpMethod.Patch, $"{R}/opportunity", """{"stage":null,"amount":null,"currency":null,"closeDate":null,"products":[]}"""),
        ], cli.Node.Received.Select(x => (x.Method, x.PathAndQuery, x.Body)));
        Assert.Contains("Stage       negotiate", stage.Out);
    }

    [Fact]
    public async Task Touches_are_recorded_for_my_partner_and_listed_by_name()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.Created, Touch())
            .Json(HttpStatusCode.Created, Touch(2, Isv, TouchKind.Influenced))
            .Json(HttpStatusCode.OK, Room())
            .Json(HttpStatusCode.OK, new Page<Touch>([Touch(), Touch(2, Si, TouchKind.Influenced)], null));
        using var cli = new CliRun(node).Configured();

        var touch = await cli.Run("rooms", "touch", RoomId, "--kind", "sourced", "--at", "2026-03-01T14:30:00+01:00", "--note", "Intro call");
        var now = await cli.Run("rooms", "touch", RoomId, "--kind", "influenced");
        var list = await cli.Run("rooms", "touches", RoomId);

        Assert.All([touch, now, list], x => Assert.Equal(ExitCodes.Ok, x.ExitCode));
        Assert.Equal("""{"kind":"sourced","at":"2026-03-01T14:30:00+01:00","note":"Intro call"}""", cli.Node.Received[0].Body);
        Assert.Equal("""{"kind":"influenced","at":null,"note":null}""", cli.Node.Received[1].Body);
        Assert.Contains("Kind      sourced", touch.Out);
        Assert.Equal("ID  PARTNER             KIND        AT                    NOTE                     RECORDED", list.Lines[0]);
        Assert.Equal("1   Ivy Analytics (me)  sourced     2026-03-02 07:00:00Z  Found it in the overlap  2026-03-02 09:00:00Z", list.Lines[1]);
        Assert.Equal("2   Sigma Services      influenced  2026-03-02 07:00:00Z  Found it in the overlap  2026-03-02 09:00:00Z", list.Lines[2]);
    }

    [Fact]
    public async Task History_names_partners_and_the_node()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Room())
            .Json(HttpStatusCode.OK, new Page<RoomChange>([Change(1, Isv, "opened", "Northwind data platform"), Change(2, "", "deal-lapsed", "Registration lapsed.")], null));
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("rooms", "history", RoomId);

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal("1    2026-03-02 09:01:00Z  Ivy Analytics (me)  opened       Northwind data platform", r.Lines[1]);
        Assert.Equal("2    2026-03-02 09:02:00Z  node                deal-lapsed  Registration lapsed.", r.Lines[2]);
    }

    [Fact]
    public async Task History_limit_keeps_the_most_recent_changes()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Room())
            .Json(HttpStatusCode.OK, new Page<RoomChange>([Change(7, Isv, "task-done", "Security review"), Change(8, "", "deal-lapsed", "Registration lapsed.")], null));
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("rooms", "history", RoomId, "--limit", "2");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal([R, $"{R}/history?before={long.MaxValue}&limit=2"], cli.Node.Received.Select(x => x.PathAndQuery));
        Assert.StartsWith("7 ", r.Lines[1]);
        Assert.StartsWith("8 ", r.Lines[2]);
    }

    [Fact]
    public async Task Register_posts_to_the_vendor_and_registrations_are_listed()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.Created, Registration())
            .Json(HttpStatusCode.OK, new Page<DealRegistration>([Registration(RegistrationStatus.Approved)], null));
        using var cli = new CliRun(node).Configured();

        var register = await cli.Run("rooms", "register", RoomId, "--vendor", Vendor, "--note", "Sourced by Ivy");
        var list = await cli.Run("rooms", "registrations", RoomId);

        Assert.Equal(ExitCodes.Ok, register.ExitCode);
        Assert.Equal((HttpMethod.Post, $"{R}/registrations", $$"""{"vendorId":"{{Vendor}}","note":"Sourced by Ivy"}"""),
            (cli.Node.Received[0].Method, cli.Node.Received[0].PathAndQuery, cli.Node.Received[0].Body));
        Assert.Contains($"Vendor           Vela Cloud ({Vendor})", register.Out);
        Assert.Contains("Status           pending", register.Out);
        Assert.Contains("Decide by        2026-03-16 09:00:00Z", register.Out);
        Assert.Contains("Protection       90 days from approval", register.Out);
        Assert.Equal("ID                                VENDOR      PARTNER        ACCOUNT                            STATUS    REGISTERED            DECIDE BY  PROTECTED UNTIL       REASON", list.Lines[0]);
        Assert.Equal($"{RegistrationId}  Vela Cloud  Ivy Analytics  Northwind Traders (northwind.com)  approved  2026-03-02 09:00:00Z  -          2026-06-02 09:00:00Z  -", list.Lines[1]);
    }

    [Fact]
    public async Task A_second_registration_refused_by_the_protection_rule_exits_5_with_the_nodes_words()
    {
        var node = new StubNode().Problem(409, "Account protected by an approved deal registration", ProtectedDetail, ""","rule":"protection","protectedPartnerName":"Ivy Analytics" """);
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("rooms", "register", RoomId, "--vendor", Vendor);

        Assert.Equal(ExitCodes.Conflict, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.EndsWith($"error: Account protected by an approved deal registration (409)\n  {ProtectedDetail}\n", r.Error.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData(404, "Room not found", ExitCodes.NotFound)]
    [InlineData(403, "Viewers only read", ExitCodes.Auth)]
    [InlineData(400, "The request is not valid", ExitCodes.Usage)]
    [InlineData(409, "Room closed", ExitCodes.Conflict)]
    public async Task Refusals_are_reported_as_the_node_words_them(int status, string title, int exitCode)
    {
        var node = new StubNode().Problem(status, title, "As the node says.", ""","errors":{"stage":["must be one of qualify, develop."]}""");
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("rooms", "opportunity", RoomId, "--stage", "closed-lost");

        Assert.Equal(exitCode, r.ExitCode);
        Assert.Contains($"error: {title} ({status})", r.Error);
        Assert.Contains("  As the node says.", r.Error);
        Assert.Contains("  stage: must be one of qualify, develop.", r.Error);
    }

    [Theory]
    [InlineData("'42' is not a room id: room ids are 32 hex digits.", "show", "42")]
    [InlineData("Option '--name' is required.", "open", "--domain", "northwind.com")]
    [InlineData("--domain 'gmail.com' is a free e-mail provider", "open", "--domain", "gmail.com", "--name", "N")]
    [InlineData("--domain 'co.uk' is a public suffix", "open", "--domain", "co.uk", "--name", "N")]
    [InlineData("--name must not be empty.", "open", "--domain", "northwind.com", "--name", " ")]
    [InlineData("--from-overlap 'x:y' is not partner-id:record-id", "open", "--domain", "northwind.com", "--name", "N", "--from-overlap", "x:y")]
    [InlineData("--amount must be 0 or more.", "open", "--domain", "northwind.com", "--name", "N", "--amount", "-1", "--currency", "USD")]
    [InlineData("--amount 'lots' is not a number", "opportunity", RoomId, "--amount", "lots")]
    [InlineData("--amount 10.5 has more decimals than JPY has (0).", "opportunity", RoomId, "--amount", "10.5", "--currency", "JPY")]
    [InlineData("'XYZ' is not a currency the node knows", "opportunity", RoomId, "--currency", "XYZ")]
    [InlineData("'won' is not a valid stage", "opportunity", RoomId, "--stage", "won")]
    [InlineData("'2026-02-30' is not a date for --close-date", "opportunity", RoomId, "--close-date", "2026-02-30")]
    [InlineData("--close-date must be between 2000-01-01 and 2100-12-31.", "opportunity", RoomId, "--close-date", "1999-12-31")]
    [InlineData("--product and --clear-products contradict each other", "opportunity", RoomId, "--product", "A", "--clear-products")]
    [InlineData("'boss' is not a valid role", "invite", RoomId, "p1", "--role", "boss")]
    [InlineData("Option '--role' is required.", "role", RoomId, "p1")]
    [InlineData("The message is empty.", "say", RoomId, "  ")]
    [InlineData("Option '--title' is required.", "task", "add", RoomId)]
    [InlineData("'0' is not a task id", "task", "done", RoomId, "0")]
    [InlineData("Nothing to change: give --title, --owner, --due or --status.", "task", "update", RoomId, "1")]
    [InlineData("'later' is not a valid status", "task", "update", RoomId, "1", "--status", "later")]
    [InlineData("Option '--kind' is required.", "touch", RoomId)]
    [InlineData("'referred' is not a valid kind", "touch", RoomId, "--kind", "referred")]
    [InlineData("'yesterday' is not a time for --at", "touch", RoomId, "--kind", "sourced", "--at", "yesterday")]
    [InlineData("Option '--vendor' is required.", "register", RoomId)]
    [InlineData("--limit must be 1 or more.", "messages", RoomId, "--limit", "0")]
    public async Task Bad_input_is_a_usage_error_and_nothing_is_sent(string message, params string[] args)
    {
        using var cli = new CliRun().Configured();

        var r = await cli.Run(["rooms", .. args]);

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains(message, r.Error);
        Assert.Empty(cli.Node.Received);
    }

    [Fact]
    public async Task Long_texts_are_refused_at_the_nodes_limits_before_anything_is_sent()
    {
        using var cli = new CliRun().Configured();

        var message = await cli.Run("rooms", "say", RoomId, new string('x', RoomLimits.MaxMessageLength + 1));
        cli.Input = "bell \u0007 here";
        var control = await cli.Run("rooms", "say", RoomId, "-");
        var note = await cli.Run("rooms", "touch", RoomId, "--kind", "sourced", "--note", new string('n', RoomLimits.MaxNoteLength + 1));
        var title = await cli.Run("rooms", "open", "--domain", "northwind.com", "--name", "N", "--title", new string('t', RoomLimits.MaxTitleLength + 1));
        var product = await cli.Run("rooms", "opportunity", RoomId, "--product", new string('p', RoomLimits.MaxProductLength + 1));

        Assert.All([message, control, note, title, product], x => Assert.Equal(ExitCodes.Usage, x.ExitCode));
        Assert.Contains("The message is 4,001 characters long; the limit is 4,000. Split it into several messages.", message.Error);
        Assert.Contains("control characters", control.Error);
        Assert.Contains("--note is 1,001 characters long; the limit is 1,000.", note.Error);
        Assert.Contains("--title is 201 characters long; the limit is 200.", title.Error);
        Assert.Contains("characters long; the limit is 100.", product.Error);
        Assert.Empty(cli.Node.Received);
    }
}
