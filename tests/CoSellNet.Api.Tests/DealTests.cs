using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using CoSellNet.Protocol;
using Npgsql;

namespace CoSellNet.Api.Tests;

[Collection(NetworkCollection.Name)]
public sealed class DealTests(Network network)
{
    [Fact]
    public async Task A_second_registration_gets_a_409_naming_the_rule_the_protected_partner_and_the_expiry()
    {
        var vendor = await network.AddPartner("Vendor Systems", PartnerType.Vendor);
        var reseller = await network.AddPartner("Resell One", PartnerType.Reseller);
        var si = await network.AddPartner("Integrate Two", PartnerType.Service);
        var program = await vendor.Publish(new ProgramRules(ProtectionDays: 45, EligibleTypes: [PartnerType.Reseller, PartnerType.Service], ApprovalDeadlineDays: 7));
        Assert.Equal((45, 7, "Vendor Systems"), (program.ProtectionDays, program.ApprovalDeadlineDays, program.VendorName));
        // Every partner reads the rules.
        var read = await RoomApi.Read<VendorProgram>(await si.Http.GetAsync(Routes.Program(vendor.Id)));
        Assert.Equal([PartnerType.Reseller, PartnerType.Service], read.EligibleTypes);
        Assert.Equal(program with { EligibleTypes = read.EligibleTypes }, read);

        var domain = $"wayne-{Guid.NewGuid():N}"[..18] + ".com";
        var resellerRoom = await reseller.RoomWith(domain);
        var registered = await reseller.Register(resellerRoom.Id, vendor, "Met the CFO");
        var registration = await RoomApi.Read<DealRegistration>(registered, HttpStatusCode.Created);
        Assert.Equal(Routes.ProgramRegistration(vendor.Id, registration.Id), registered.Headers.Location?.OriginalString);
        Assert.Equal((RegistrationStatus.Pending, domain, "Resell One"), (registration.Status, registration.Account.Domain, registration.PartnerName));

        var pending = (await vendor.Http.GetFromJsonAsync<Page<DealRegistration>>(Routes.ProgramRegistrations(vendor.Id) + "?status=pending", Network.Json))!;
        Assert.Contains(pending.Items, r => r.Id == registration.Id);
        var arrived = await vendor.AwaitEvent(resellerRoom.Id, FeedEventTypes.DealRegistered);
        Assert.Equal(domain, arrived.Data!.Value.GetProperty("registration").GetProperty("account").GetProperty("domain").GetString());

        var approved = await vendor.Decide(registration, approve: true);
        Assert.Equal(RegistrationStatus.Approved, approved.Status);
        Assert.Equal(approved.DecidedAt!.Value.AddDays(45), approved.ProtectedUntil);
        var decided = await reseller.AwaitEvent(resellerRoom.Id, FeedEventTypes.DealDecided);
        Assert.Equal("approved", decided.Data!.Value.GetProperty("registration").GetProperty("status").GetString());

        // The SI works the same account in its own room: its registration is refused while the reseller is protected.
        var siRoom = await si.RoomWith("https://" + domain.ToUpperInvariant());
        var conflict = await Problem.Expect(await si.Register(siRoom.Id, vendor), HttpStatusCode.Conflict);
        Assert.Equal(DealRules.Protection, conflict.GetProperty("rule").GetString());
        Assert.Equal("Resell One", conflict.GetProperty("protectedPartnerName").GetString());
        Assert.Equal(reseller.Id, conflict.GetProperty("protectedPartnerId").GetString());
        Assert.Equal(approved.ProtectedUntil, DateTimeOffset.Parse(conflict.GetProperty("protectedUntil").GetString()!, CultureInfo.InvariantCulture));
        var until = approved.ProtectedUntil!.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        Assert.Equal(
            $"Rule 'protection' of Vendor Systems's program: Resell One holds an approved registration for {domain} that protects it until {until} (45 days from approval). " +
            "Another registration for this account with this vendor is refused until then.",
            conflict.Detail());

        Assert.Equal(registration.Id, (await reseller.Http.GetFromJsonAsync<Page<DealRegistration>>(Routes.MyRegistrations, Network.Json))!.Items.Single().Id);
        Assert.Equal(RegistrationStatus.Approved, (await RoomApi.Read<DealRegistration>(await reseller.Http.GetAsync(Routes.ProgramRegistration(vendor.Id, registration.Id)))).Status);
        Assert.Equal(registration.Id, (await reseller.Http.GetFromJsonAsync<Page<DealRegistration>>(Routes.RoomPart(resellerRoom.Id, "registrations"), Network.Json))!.Items.Single().Id);
        await Problem.Expect(await si.Http.GetAsync(Routes.RoomPart(resellerRoom.Id, "registrations")), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Programs_and_decisions_belong_to_their_vendor()
    {
        var vendor = await network.AddPartner("Strict Vendor", PartnerType.Vendor);
        var isv = await network.AddPartner("Isv Three", PartnerType.Technology);
        var si = await network.AddPartner("Si Three", PartnerType.Service);
        await Problem.Expect(await isv.Http.GetAsync(Routes.Program(vendor.Id)), HttpStatusCode.NotFound);
        await Problem.Expect(await isv.Http.PutAsJsonAsync(Routes.Program(isv.Id), new ProgramRules(), Network.Json), HttpStatusCode.Forbidden);
        await Problem.Expect(await isv.Http.PutAsJsonAsync(Routes.Program(vendor.Id), new ProgramRules(), Network.Json), HttpStatusCode.Forbidden);
        var invalid = await Problem.Expect(await vendor.Http.PutAsJsonAsync(Routes.Program(vendor.Id), new ProgramRules(ProtectionDays: 0), Network.Json), HttpStatusCode.BadRequest);
        Assert.True(invalid.HasError("protectionDays"));
        await vendor.Publish(new ProgramRules(EligibleTypes: [PartnerType.Service]));

        var room = await isv.RoomWith($"stark-{Guid.NewGuid():N}"[..18] + ".com", si);
        var ineligible = await Problem.Expect(await isv.Register(room.Id, vendor), HttpStatusCode.Forbidden);
        Assert.Equal(DealRules.EligibleTypes, ineligible.GetProperty("rule").GetString());
        var registration = await RoomApi.Read<DealRegistration>(await si.Register(room.Id, vendor), HttpStatusCode.Created);
        var twice = await Problem.Expect(await si.Register(room.Id, vendor), HttpStatusCode.Conflict);
        Assert.Equal(DealRules.OnePerRoom, twice.GetProperty("rule").GetString());

        // Only the vendor lists and decides; the registrant reads its own.
        await Problem.Expect(await si.Http.GetAsync(Routes.ProgramRegistrations(vendor.Id)), HttpStatusCode.Forbidden);
        await Problem.Expect(await si.Http.PostAsJsonAsync(Routes.ProgramRegistrationDecision(vendor.Id, registration.Id, "approve"), new DealDecision(), Network.Json), HttpStatusCode.NotFound);
        await Problem.Expect(await isv.Http.GetAsync(Routes.ProgramRegistration(vendor.Id, registration.Id)), HttpStatusCode.NotFound);
        var noReason = await Problem.Expect(await vendor.Http.PostAsync(Routes.ProgramRegistrationDecision(vendor.Id, registration.Id, "reject"), null), HttpStatusCode.BadRequest);
        Assert.True(noReason.HasError("reason"));
        var rejected = await vendor.Decide(registration, approve: false, "Already sourced by our direct team.");
        Assert.Equal((RegistrationStatus.Rejected, "Already sourced by our direct team."), (rejected.Status, rejected.Reason));
        await Problem.Expect(await vendor.Http.PostAsync(Routes.ProgramRegistrationDecision(vendor.Id, registration.Id, "approve"), null), HttpStatusCode.Conflict);
        var seen = await si.AwaitEvent(room.Id, FeedEventTypes.DealDecided);
        Assert.Equal("Already sourced by our direct team.", seen.Data!.Value.GetProperty("registration").GetProperty("reason").GetString());
        await Problem.Expect(await vendor.Http.GetAsync(Routes.ProgramRegistrations(vendor.Id) + "?status=maybe"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Protection_ends_by_its_reminder_across_a_node_restart()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Reminders:RefreshReminderListPeriod"] = "00:00:01",
            ["Reminders:MinimumReminderPeriod"] = "00:00:01",
            ["Deals:ReminderPeriod"] = "00:00:02",
        };
        // The first node runs a day (less 10 seconds) in the past, so that a one-day protection it
        // approves expires 10 real seconds later. (A node's clock must not jump while it runs: Orleans'
        // membership compares it with silo generations taken from the machine's clock.)
        var past = new AdjustableClock();
        past.Advance(-(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(10)));
        var first = await NodeFactory.StartAsync("restart", settings, past);
        var op = first.ClientWith(first.OperatorKey);
        async Task<(string Id, string Key)> Add(string name, PartnerType type)
        {
            var created = await RoomApi.Read<PartnerCreated>(await op.PostAsJsonAsync(Routes.Partners,
                new PartnerRegistration(name, $"{name.ToLowerInvariant()}-{Guid.NewGuid():N}"[..20] + ".com", type), Network.Json), HttpStatusCode.Created);
            return (created.Partner.Entry.Id, created.ApiKey.Secret);
        }
        var (vendorId, vendorKey) = await Add("Vendor", PartnerType.Vendor);
        var (resellerId, resellerKey) = await Add("Reseller", PartnerType.Reseller);
        Member On(NodeFactory node, string id, string key) => new(id, key, node.ClientWith(key), null!);

        var vendor = On(first, vendorId, vendorKey);
        var reseller = On(first, resellerId, resellerKey);
        await vendor.Publish(new ProgramRules(ProtectionDays: 1));
        var room = await reseller.RoomWith("cyberdyne.com");
        var registration = await RoomApi.Read<DealRegistration>(await reseller.Register(room.Id, vendor), HttpStatusCode.Created);
        var approved = await vendor.Decide(registration, approve: true);
        await first.DisposeAsync();

        // The protection expires while no node runs; nothing has ended it yet.
        var expiry = approved.ProtectedUntil!.Value;
        if (expiry - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1) is { Ticks: > 0 } wait) await Task.Delay(wait);
        await using (var db = NpgsqlDataSource.Create(first.ConnectionString))
        await using (var ended = db.CreateCommand("SELECT count(*) FROM partner_feed WHERE type = $1"))
        {
            ended.Parameters.Add(new() { Value = FeedEventTypes.DealProtectionEnded });
            Assert.Equal(0L, await ended.ExecuteScalarAsync());
        }

        // The next node (on the machine's clock) finds the reminder in PostgreSQL and ends the protection.
        await using var second = new NodeFactory(first.ConnectionString, "test-" + Guid.NewGuid().ToString("N")[..12], settings);
        reseller = On(second, resellerId, resellerKey);
        vendor = On(second, vendorId, vendorKey);
        var notice = await reseller.AwaitEvent(room.Id, FeedEventTypes.DealProtectionEnded, TimeSpan.FromSeconds(60));
        Assert.Equal(registration.Id, notice.Data!.Value.GetProperty("registration").GetProperty("id").GetString());
        await vendor.AwaitEvent(room.Id, FeedEventTypes.DealProtectionEnded);
        var now = await RoomApi.Read<DealRegistration>(await vendor.Http.GetAsync(Routes.ProgramRegistration(vendorId, registration.Id)));
        Assert.Equal((RegistrationStatus.Ended, expiry), (now.Status, now.EndedAt));
        var listed = (await vendor.Http.GetFromJsonAsync<Page<DealRegistration>>(Routes.ProgramRegistrations(vendorId) + "?status=ended", Network.Json))!;
        Assert.Equal(registration.Id, listed.Items.Single().Id);
        // The account is free again.
        var next = await reseller.Register((await reseller.RoomWith("cyberdyne.com")).Id, vendor);
        Assert.Equal(RegistrationStatus.Pending, (await RoomApi.Read<DealRegistration>(next, HttpStatusCode.Created)).Status);
    }
}
