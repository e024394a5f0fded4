using System.Net;
using CoSellNet.Cli.App;
using CoSellNet.Client.Tests.Support;
using CoSellNet.Protocol;
using static CoSellNet.Client.Tests.Support.RoomSamples;

namespace CoSellNet.Client.Tests.Cli;

/// <summary><c>cosell programs …</c> parsed and run in-process against a stub node.</summary>
public sealed class ProgramCommandTests
{
    private const string P = $"/api/v1/programs/{Vendor}";

    [Fact]
    public async Task Show_reads_a_vendors_program_or_my_own()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Program())
            .Json(HttpStatusCode.OK, Profile())
            .Json(HttpStatusCode.OK, Program());
        using var cli = new CliRun(node).Configured();

        var theirs = await cli.Run("programs", "show", Vendor);
        var mine = await cli.Run("programs", "show", "-o", "csv");

        Assert.Equal(ExitCodes.Ok, theirs.ExitCode);
        Assert.Equal([P, "/api/v1/partners/me", P], cli.Node.Received.Select(x => x.PathAndQuery));
        Assert.Contains("Protection days         90", theirs.Out);
        Assert.Contains("Eligible types          reseller, technology, service", theirs.Out);
        Assert.Contains("Approval deadline days  14", theirs.Out);
        Assert.Equal(["Vendor,Name,Protection days,Eligible types,Approval deadline days,Version,Published", $"{Vendor},Vela Cloud,90,\"reseller, technology, service\",14,1,2026-03-02 09:00:00Z"],
            mine.Lines);
    }

    [Fact]
    public async Task List_walks_every_page_of_the_programs_i_take_part_in()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, new Page<VendorProgram>([Program()], "bmV4dA"))
            .Json(HttpStatusCode.OK, new Page<VendorProgram>([Program(30, 2) with { VendorId = Isv, VendorName = "Ivy Vendor" }], null))
            .Json(HttpStatusCode.OK, new Page<VendorProgram>([], null));
        using var cli = new CliRun(node).Configured();

        var list = await cli.Run("programs", "list");
        var none = await cli.Run("programs", "list");

        Assert.All([list, none], x => Assert.Equal(ExitCodes.Ok, x.ExitCode));
        Assert.Equal(["/api/v1/programs?limit=500", "/api/v1/programs?cursor=bmV4dA&limit=500", "/api/v1/programs?limit=500"], cli.Node.Received.Select(x => x.PathAndQuery));
        Assert.StartsWith("VENDOR", list.Lines[0]);
        Assert.Contains("Vela Cloud", list.Lines[1]);
        Assert.Contains("Ivy Vendor", list.Lines[2]);
        Assert.Contains("No programs.", none.Out + none.Error);
    }

    [Fact]
    public async Task Set_changes_only_what_is_given_keeping_the_published_rules()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Profile())
            .Json(HttpStatusCode.OK, Program())
            .Json(HttpStatusCode.OK, Program(30, 2));
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("programs", "set", "--protection-days", "30");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal(
        [
            (HttpMethod.Get, "/api/v1/partners/me", null),
            (HttpMethod.Get, P, null),
            (HttpMethod.Put, P, """{"protectionDays":30,"eligibleTypes":["reseller","technology","service"],"approvalDeadlineDays":14}"""),
        ], cli.Node.Received.Select(x => (x.Method, x.PathAndQuery, x.Body)));
        Assert.Contains("Protection days         30", r.Out);
        Assert.Contains("Published version 2 of Vela Cloud's program.", r.Error);
    }

    [Fact]
    public async Task A_first_program_leaves_what_is_not_given_to_the_nodes_defaults()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Profile())
            .Problem(404, "Program not found", "Partner has not published a deal registration program.")
            .Json(HttpStatusCode.OK, Program());
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("programs", "set", "--eligible-type", "technology", "--eligible-type", "Service", "--eligible-type", "technology", "--approval-deadline-days", "7");

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal("""{"protectionDays":null,"eligibleTypes":["technology","service"],"approvalDeadlineDays":7}""", cli.Node.Received[2].Body);
    }

    [Fact]
    public async Task A_vendor_lists_its_programs_registrations_and_a_partner_its_own()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Profile())
            .Json(HttpStatusCode.OK, new Page<DealRegistration>([Registration()], null))
            .Json(HttpStatusCode.OK, new Page<DealRegistration>([Registration(RegistrationStatus.Approved)], null))
            .Json(HttpStatusCode.OK, Profile(Isv, "Ivy Analytics", PartnerType.Technology));
        using var cli = new CliRun(node).Configured();

        var pending = await cli.Run("programs", "registrations", "--status", "pending");
        var mine = await cli.Run("programs", "registrations", "--mine", "-o", "json");
        var notVendor = await cli.Run("programs", "registrations");

        Assert.Equal(ExitCodes.Ok, pending.ExitCode);
        Assert.Equal(["/api/v1/partners/me", $"{P}/registrations?status=pending&limit=500", "/api/v1/registrations?limit=500", "/api/v1/partners/me"],
            cli.Node.Received.Select(x => x.PathAndQuery));
        Assert.Equal($"{RegistrationId}  Vela Cloud  Ivy Analytics  Northwind Traders (northwind.com)  pending  2026-03-02 09:00:00Z  2026-03-16 09:00:00Z  -                -", pending.Lines[1]);
        Assert.Contains("\"status\": \"approved\"", mine.Out);
        Assert.Equal(ExitCodes.Auth, notVendor.ExitCode);
        Assert.Contains("error: Ivy Analytics is a technology partner: only vendors run a program. The registrations you made are listed with 'cosell programs registrations --mine'.", notVendor.Error);
    }

    [Fact]
    public async Task Approve_and_reject_decide_with_my_program()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Profile())
            .Json(HttpStatusCode.OK, Registration(RegistrationStatus.Approved))
            .Json(HttpStatusCode.OK, Profile())
            .Json(HttpStatusCode.OK, Registration(RegistrationStatus.Rejected));
        using var cli = new CliRun(node).Configured();

        var approve = await cli.Run("programs", "approve", RegistrationId);
        var reject = await cli.Run("programs", "reject", RegistrationId.ToUpperInvariant(), "--reason", "Already in our direct pipeline");

        Assert.Equal(ExitCodes.Ok, approve.ExitCode);
        Assert.Equal(ExitCodes.Ok, reject.ExitCode);
        Assert.Equal(
        [
            (HttpMethod.Post, $"{P}/registrations/{RegistrationId}/approve", """{"reason":null}"""),
            (HttpMethod.Post, $"{P}/registrations/{RegistrationId}/reject", """{"reason":"Already in our direct pipeline"}"""),
        ], cli.Node.Received.Where(x => x.Method == HttpMethod.Post).Select(x => (x.Method, x.PathAndQuery, x.Body)));
        Assert.Contains("Status           approved", approve.Out);
        Assert.Contains("Protected until  2026-06-02 09:00:00Z", approve.Out);
        Assert.Contains("Reason           Already in our direct pipeline", reject.Out);
    }

    [Fact]
    public async Task A_decision_the_node_refuses_is_reported_with_its_exit_code()
    {
        var node = new StubNode()
            .Json(HttpStatusCode.OK, Profile())
            .Problem(409, "Registration approved", "Only a pending registration can be decided; this one was approved on 2026-03-04 09:00 UTC.");
        using var cli = new CliRun(node).Configured();

        var r = await cli.Run("programs", "reject", RegistrationId, "--reason", "Too late");

        Assert.Equal(ExitCodes.Conflict, r.ExitCode);
        Assert.Contains("error: Registration approved (409)", r.Error);
        Assert.Contains("  Only a pending registration can be decided", r.Error);
    }

    [Theory]
    [InlineData("Nothing to publish: give --protection-days, --eligible-type or --approval-deadline-days.", "set")]
    [InlineData("--protection-days must be 1 to 365 days.", "set", "--protection-days", "0")]
    [InlineData("--approval-deadline-days must be 1 to 90 days.", "set", "--approval-deadline-days", "91")]
    [InlineData("'wizard' is not a valid eligible-type", "set", "--eligible-type", "wizard")]
    [InlineData("Option '--reason' is required.", "reject", RegistrationId)]
    [InlineData("--reason must not be empty.", "reject", RegistrationId, "--reason", " ")]
    [InlineData("'r1' is not a registration id: registration ids are 32 hex digits.", "approve", "r1")]
    [InlineData("'maybe' is not a valid status", "registrations", "--status", "maybe")]
    public async Task Bad_input_is_a_usage_error_and_nothing_is_sent(string message, params string[] args)
    {
        using var cli = new CliRun().Configured();

        var r = await cli.Run(["programs", .. args]);

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains(message, r.Error);
        Assert.Empty(cli.Node.Received);
    }
}
