using System.Globalization;
using CoSellNet.Protocol;
using CoSellNet.Testing;

namespace CoSellNet.EndToEnd.Tests;

/// <summary>
/// A deal worked in a room through the real <c>cosell</c> of three partners against a real node:
/// an ISV opens the room and invites an SI and the vendor, who accept; they talk, share a task,
/// move the stage and record their touches; the ISV registers the deal and the vendor approves it;
/// the SI's registration of the same account from a room of its own is then refused with exit 5,
/// the node's message naming the rule, the protected partner and the expiry.
/// </summary>
public sealed class RoomsCliTests
{
    [Fact]
    public async Task A_vendor_an_isv_and_an_si_work_one_deal_and_the_vendors_rules_protect_it()
    {
        var cs = await PostgresServer.CreateDatabaseAsync("e2e-rooms");
        await using var node = await NodeProcess.StartAsync(cs, "e2e-" + Guid.NewGuid().ToString("N")[..12]);
        using var vendor = new Party("v", "Vela Cloud", PartnerType.Vendor);
        using var isv = new Party("i", "Ivy Analytics", PartnerType.Technology);
        using var si = new Party("s", "Sigma Services", PartnerType.Service);
        foreach (var party in new[] { vendor, isv, si }) await Network.Join(node, party);
        var domain = $"northwind-{Guid.NewGuid():N}"[..22] + ".com";

        // The vendor publishes its rules: 30 days of protection, ISVs and SIs may register.
        var program = (await vendor.Cli.Run("programs", "set", "--protection-days", "30", "--eligible-type", "technology", "--eligible-type", "service", "-o", "json"))
            .Ok().Read<VendorProgram>();
        Assert.Equal((30, DealRules.DefaultApprovalDeadlineDays), (program.ProtectionDays, program.ApprovalDeadlineDays));
        Assert.Equal([PartnerType.Technology, PartnerType.Service], program.EligibleTypes.Order());
        Assert.Contains("Protection days         30", (await si.Cli.Run("programs", "show", vendor.Id)).Ok().Stdout);

        // The ISV opens the room, naming the account, and invites the SI and the vendor.
        var room = (await isv.Cli.Run("rooms", "open", "--domain", $"https://www.{domain}/", "--name", "Northwind Traders", "--title", "Northwind data platform",
            "--stage", "qualify", "--amount", "120000", "--currency", "usd", "--product", "Ivy Insight", "-o", "json")).Ok().Read<RoomView>();
        Assert.Equal((domain, "Northwind Traders", RoomRole.Owner), (room.Account.Domain, room.Account.Name, room.Me.Role));
        Assert.Equal((OpportunityStage.Qualify, 120_000m, "USD"), (room.Opportunity!.Stage, room.Opportunity.Amount, room.Opportunity.Currency));
        var id = room.Id;
        Assert.Equal(MemberStatus.Invited, (await isv.Cli.Run("rooms", "invite", id, si.Id, "-o", "json")).Ok().Read<RoomMember>().Status);
        Assert.Equal(RoomRole.Viewer, (await isv.Cli.Run("rooms", "invite", id, vendor.Id, "--role", "viewer", "-o", "json")).Ok().Read<RoomMember>().Role);

        // Invited, the SI sees the account and the title, not the opportunity; then both accept.
        var invited = Assert.Single((await si.Cli.Run("rooms", "list", "-o", "json")).Ok().Read<List<RoomView>>());
        Assert.Equal((id, MemberStatus.Invited, domain), (invited.Id, invited.Me.Status, invited.Account.Domain));
        Assert.Null(invited.Opportunity);
        Assert.Equal(MemberStatus.Accepted, (await si.Cli.Run("rooms", "accept", id, "-o", "json")).Ok().Read<RoomView>().Me.Status);
        Assert.Equal(MemberStatus.Accepted, (await vendor.Cli.Run("rooms", "accept", id, "-o", "json")).Ok().Read<RoomView>().Me.Status);
        (await isv.Cli.Run("rooms", "role", id, vendor.Id, "--role", "member")).Ok();
        var members = (await vendor.Cli.Run("rooms", "members", id)).Ok().Stdout;
        Assert.Contains($"{vendor.Id}  Vela Cloud", members);
        Assert.Contains("member  accepted  Ivy Analytics", members);

        // Messages, each named by its sender for the others.
        (await isv.Cli.Run("rooms", "say", id, "Kick-off on Tuesday?")).Ok();
        (await si.Cli.Run("rooms", "say", id, "Works for us; we bring the architect.")).Ok();
        (await vendor.Cli.Run("rooms", "say", id, "We will join with the account executive.")).Ok();
        var messages = (await vendor.Cli.Run("rooms", "messages", id)).Ok().Lines();
        Assert.Equal(4, messages.Length);
        Assert.Matches(@"^1 +\S+ \S+ +Ivy Analytics +Kick-off on Tuesday\?$", messages[1]);
        Assert.Matches(@"^2 +\S+ \S+ +Sigma Services +Works for us; we bring the architect\.$", messages[2]);
        Assert.Matches(@"^3 +\S+ \S+ +Vela Cloud \(me\) +We will join with the account executive\.$", messages[3]);
        Assert.Equal(["Works for us; we bring the architect.", "We will join with the account executive."],
            (await isv.Cli.Run("rooms", "messages", id, "--limit", "2", "-o", "json")).Ok().Read<List<RoomMessage>>().Select(m => m.Text));

        // A task for the SI, which it marks done.
        var due = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(14)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var task = (await isv.Cli.Run("rooms", "task", "add", id, "--title", "Security review", "--owner", si.Id, "--due", due, "-o", "json")).Ok().Read<RoomTask>();
        Assert.Equal((si.Id, RoomTaskStatus.Open), (task.OwnerId, task.Status));
        (await si.Cli.Run("rooms", "task", "done", id, task.Id.ToString(CultureInfo.InvariantCulture))).Ok();
        var tasks = (await vendor.Cli.Run("rooms", "tasks", id)).Ok().Stdout;
        Assert.Matches($@"{task.Id} +Security review +Sigma Services +{due} +done +Ivy Analytics", tasks);

        // The SI moves the stage; everyone sees it, and who did it.
        var changed = (await si.Cli.Run("rooms", "opportunity", id, "--stage", "propose", "--close-date", due, "-o", "json")).Ok().Read<Opportunity>();
        Assert.Equal((OpportunityStage.Propose, si.Id), (changed.Stage, changed.UpdatedBy));
        var opportunity = (await isv.Cli.Run("rooms", "opportunity", id)).Ok().Stdout;
        Assert.Contains("Stage       propose", opportunity);
        Assert.Contains("Amount      120,000.00 USD", opportunity);
        Assert.Contains("Updated by  Sigma Services", opportunity);

        // Each partner records its own touch.
        (await isv.Cli.Run("rooms", "touch", id, "--kind", "sourced", "--at", DateTimeOffset.UtcNow.AddDays(-3).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            "--note", "Found in our overlap")).Ok();
        (await si.Cli.Run("rooms", "touch", id, "--kind", "influenced")).Ok();
        var touches = (await vendor.Cli.Run("rooms", "touches", id, "-o", "json")).Ok().Read<List<Touch>>();
        Assert.Equal([(isv.Id, TouchKind.Sourced, "Found in our overlap"), (si.Id, TouchKind.Influenced, null)], touches.Select(t => (t.PartnerId, t.Kind, t.Note)));

        // The ISV registers the deal; the vendor finds it pending and approves it.
        var registration = (await isv.Cli.Run("rooms", "register", id, "--vendor", vendor.Id, "--note", "Sourced by Ivy", "-o", "json")).Ok().Read<DealRegistration>();
        Assert.Equal((RegistrationStatus.Pending, 30), (registration.Status, registration.ProtectionDays));
        var pending = (await vendor.Cli.Run("programs", "registrations", "--status", "pending", "-o", "json")).Ok().Read<List<DealRegistration>>();
        Assert.Equal(registration.Id, Assert.Single(pending).Id);
        var approved = (await vendor.Cli.Run("programs", "approve", registration.Id, "-o", "json")).Ok().Read<DealRegistration>();
        Assert.Equal(RegistrationStatus.Approved, approved.Status);
        var until = approved.ProtectedUntil!.Value;
        Assert.InRange(until - approved.DecidedAt!.Value, TimeSpan.FromDays(30) - TimeSpan.FromSeconds(1), TimeSpan.FromDays(30) + TimeSpan.FromSeconds(1));
        Assert.Equal(RegistrationStatus.Approved,
            Assert.Single((await si.Cli.Run("rooms", "registrations", id, "-o", "json")).Ok().Read<List<DealRegistration>>()).Status);
        Assert.Equal(registration.Id, Assert.Single((await isv.Cli.Run("programs", "registrations", "--mine", "--status", "approved", "-o", "json")).Ok()
            .Read<List<DealRegistration>>()).Id);

        // The SI opens a room of its own on the same account and registers it with the vendor: refused by the protection rule.
        var second = (await si.Cli.Run("rooms", "open", "--domain", domain, "--name", "Northwind", "-o", "json")).Ok().Read<RoomView>();
        var refused = await si.Cli.Run("rooms", "register", second.Id, "--vendor", vendor.Id);
        Assert.Equal(5, refused.ExitCode);
        Assert.Equal("", refused.Stdout);
        Assert.Contains("error: Account protected by an approved deal registration (409)", refused.Stderr);
        Assert.Contains("Rule 'protection' of Vela Cloud's program", refused.Stderr);
        Assert.Contains($"Ivy Analytics holds an approved registration for {domain}", refused.Stderr);
        Assert.Contains($"until {until.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC", refused.Stderr);
        Assert.Empty((await si.Cli.Run("rooms", "registrations", second.Id, "-o", "json")).Ok().Read<List<DealRegistration>>());

        // The room's history tells it all, partners by name.
        var history = (await vendor.Cli.Run("rooms", "history", id)).Ok().Stdout;
        foreach (var action in new[] { "opened", "account-named", "deal-registered", "deal-approved" }) Assert.Contains(action, history);
        Assert.Matches(@"Vela Cloud \(me\) +deal-approved", history);

        // A bad value is refused before anything is sent; a non-member is told the room does not exist.
        var bad = await vendor.Cli.Run("rooms", "opportunity", id, "--amount", "10.5", "--currency", "JPY");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("has more decimals than JPY has (0)", bad.Stderr);
        Assert.Equal(4, (await vendor.Cli.Run("rooms", "show", second.Id)).ExitCode);
    }
}

internal static class CliResultExtensions
{
    /// <summary>Standard output's non-empty lines.</summary>
    public static string[] Lines(this CliResult result) => result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
