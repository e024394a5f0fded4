using System.Text.Json;
using CoSellNet.Protocol;
using CoSellNet.Silo.Deals;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Feed;
using CoSellNet.Silo.Partners;
using CoSellNet.Silo.Rooms;
using Npgsql;
using Orleans.Runtime;

namespace CoSellNet.Silo.Tests.Grains;

[Collection(DealCollection.Name)]
public sealed class DealGrainTests(DealCluster cluster) : IAsyncLifetime
{
    private NpgsqlDataSource _db = null!;
    private FeedStore _feeds = null!;
    private readonly string _domain = $"acme-{Guid.NewGuid():N}"[..20] + ".com";

    public Task InitializeAsync()
    {
        _db = NpgsqlDataSource.Create(cluster.ConnectionString);
        _feeds = new FeedStore(_db);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private async Task<string> Partner(string name, PartnerType type)
    {
        var id = Guid.NewGuid().ToString("N");
        await cluster.Grains.GetGrain<IPartnerGrain>(id).Register(new PartnerRegistration(name, $"p-{id[..12]}.com", type));
        return id;
    }

    private async Task<string> Vendor(ProgramRules? rules = null)
    {
        var vendor = await Partner("Vendor", PartnerType.Vendor);
        await Program(vendor).Publish(vendor, rules ?? new ProgramRules());
        return vendor;
    }

    private IVendorProgramGrain Program(string vendor) => cluster.Grains.GetGrain<IVendorProgramGrain>(vendor);

    private IDealProtectionGrain Protection(string vendor) => cluster.Grains.GetGrain<IDealProtectionGrain>(DealKey.For(vendor, _domain));

    /// <summary>A room on this test's account, opened by <paramref name="owner"/>, with <paramref name="members"/> accepted.</summary>
    private async Task<IOpportunityRoomGrain> Room(string owner, params string[] members)
    {
        var room = cluster.Grains.GetGrain<IOpportunityRoomGrain>(Guid.NewGuid().ToString("N"));
        await room.Open(owner, new OpenRoom(new RoomAccount("www." + _domain.ToUpperInvariant(), "Acme Corp")));
        foreach (var member in members)
        {
            await room.Invite(owner, new InviteMember(member));
            await room.Accept(member);
        }
        return room;
    }

    private async Task<List<FeedEvent>> Feed(string partner, string type) =>
        [.. (await _feeds.Read(partner, 0, 1000)).Items.Where(e => e.Type == type)];

    [Fact]
    public async Task A_second_registration_is_refused_with_the_rule_the_protected_partner_and_the_expiry()
    {
        var vendor = await Vendor(new ProgramRules(ProtectionDays: 60));
        var isv = await Partner("Isv Ltd", PartnerType.Technology);
        var si = await Partner("Si GmbH", PartnerType.Service);
        var isvRoom = await Room(isv);
        var siRoom = await Room(si);

        var siPending = await siRoom.Register(si, new RegisterDeal(vendor));
        var registration = await isvRoom.Register(isv, new RegisterDeal(vendor, "Sourced at the summit"));
        Assert.Equal((RegistrationStatus.Pending, 60, _domain), (registration.Status, registration.ProtectionDays, registration.Account.Domain));
        var approved = await Protection(vendor).Decide(vendor, registration.Id, approve: true, reason: null);
        Assert.Equal(RegistrationStatus.Approved, approved.Status);
        Assert.Equal(approved.DecidedAt!.Value.AddDays(60), approved.ProtectedUntil);

        var conflict = await Assert.ThrowsAsync<ProblemException>(() => siRoom.Register(si, new RegisterDeal(vendor)));
        Assert.Equal(ProblemKind.Conflict, conflict.Kind);
        Assert.Equal(DealRules.Protection, conflict.Extensions!["rule"]);
        Assert.Equal("Isv Ltd", conflict.Extensions["protectedPartnerName"]);
        Assert.Equal(isv, conflict.Extensions["protectedPartnerId"]);
        Assert.Equal(approved.ProtectedUntil!.Value, DateTimeOffset.Parse(conflict.Extensions["protectedUntil"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains($"Rule '{DealRules.Protection}'", conflict.Message);
        Assert.Contains("Isv Ltd", conflict.Message);
        Assert.Contains(approved.ProtectedUntil.Value.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), conflict.Message);
        // The protected partner too, from another room on the account.
        Assert.Equal(DealRules.Protection, (await Assert.ThrowsAsync<ProblemException>(async () => await (await Room(isv)).Register(isv, new RegisterDeal(vendor)))).Extensions!["rule"]);

        // The approval turned the other pending registration down, naming the rule.
        var rejected = Assert.Single(await siRoom.Registrations(si));
        Assert.Equal((siPending.Id, RegistrationStatus.Rejected), (rejected.Id, rejected.Status));
        Assert.Contains(DealRules.Protection, rejected.Reason);
        var decided = await Eventually(async () => (await Feed(si, FeedEventTypes.DealDecided)).SingleOrDefault());
        Assert.Equal("rejected", decided.Data!.Value.GetProperty("registration").GetProperty("status").GetString());
        Assert.NotNull(await Eventually(async () => (await Feed(isv, FeedEventTypes.DealDecided)).SingleOrDefault()));
        Assert.Equal(2, (await Feed(vendor, FeedEventTypes.DealRegistered)).Count);
    }

    [Fact]
    public async Task Rules_decide_who_registers_and_only_the_vendor_decides()
    {
        var vendor = await Vendor(new ProgramRules(EligibleTypes: [PartnerType.Service]));
        var isv = await Partner("Isv", PartnerType.Technology);
        var si = await Partner("Si", PartnerType.Service);
        var room = await Room(isv, si);

        var ineligible = await Assert.ThrowsAsync<ProblemException>(() => room.Register(isv, new RegisterDeal(vendor)));
        Assert.Equal((ProblemKind.Forbidden, DealRules.EligibleTypes), (ineligible.Kind, ineligible.Extensions!["rule"]));
        Assert.Contains("technology", ineligible.Message);
        var unpublished = await Partner("Quiet vendor", PartnerType.Vendor);
        Assert.Equal(ProblemKind.NotFound, (await Assert.ThrowsAsync<ProblemException>(() => room.Register(si, new RegisterDeal(unpublished)))).Kind);

        var registration = await room.Register(si, new RegisterDeal(vendor));
        var again = await Assert.ThrowsAsync<ProblemException>(() => room.Register(si, new RegisterDeal(vendor)));
        Assert.Equal((ProblemKind.Conflict, DealRules.OnePerRoom), (again.Kind, again.Extensions!["rule"]));

        var protection = Protection(vendor);
        Assert.Equal(ProblemKind.NotFound, (await Assert.ThrowsAsync<ProblemException>(() => protection.Decide(si, registration.Id, true, null))).Kind);
        Assert.Equal(ProblemKind.NotFound, (await Assert.ThrowsAsync<ProblemException>(() => protection.Get(isv, registration.Id))).Kind);
        Assert.Contains("reason", (await Assert.ThrowsAsync<ProblemException>(() => protection.Decide(vendor, registration.Id, false, " "))).Errors!.Keys);
        var rejected = await protection.Decide(vendor, registration.Id, false, "Already in our direct pipeline.");
        Assert.Equal((RegistrationStatus.Rejected, "Already in our direct pipeline."), (rejected.Status, rejected.Reason));
        Assert.Equal(ProblemKind.Conflict, (await Assert.ThrowsAsync<ProblemException>(() => protection.Decide(vendor, registration.Id, true, null))).Kind);
        Assert.Equal(RegistrationStatus.Pending, (await room.Register(si, new RegisterDeal(vendor))).Status);

        Assert.Equal(ProblemKind.Forbidden, (await Assert.ThrowsAsync<ProblemException>(() => Program(si).Publish(si, new ProgramRules()))).Kind);
        Assert.Equal(ProblemKind.Forbidden, (await Assert.ThrowsAsync<ProblemException>(() => Program(vendor).Publish(si, new ProgramRules()))).Kind);
        var invalid = await Assert.ThrowsAsync<ProblemException>(() => Program(vendor).Publish(vendor, new ProgramRules(0, [], 400)));
        Assert.Equal(["approvalDeadlineDays", "eligibleTypes", "protectionDays"], invalid.Errors!.Keys.Order());
        var program = await Program(vendor).Get();
        Assert.Equal((90, 14, 1), (program.ProtectionDays, program.ApprovalDeadlineDays, program.Version));
    }

    [Fact]
    public async Task A_registration_the_vendor_leaves_undecided_lapses_at_the_deadline()
    {
        var vendor = await Vendor(new ProgramRules(ApprovalDeadlineDays: 3));
        var si = await Partner("Si", PartnerType.Service);
        var room = await Room(si);
        var registration = await room.Register(si, new RegisterDeal(vendor));
        Assert.Equal(registration.RegisteredAt.AddDays(3), registration.DecideBy);

        DealCluster.Clock.Advance(TimeSpan.FromDays(3) + TimeSpan.FromMinutes(1));
        var late = await Assert.ThrowsAsync<ProblemException>(() => Protection(vendor).Decide(vendor, registration.Id, true, null));
        Assert.Equal((ProblemKind.Conflict, DealRules.ApprovalDeadline), (late.Kind, late.Extensions!["rule"]));
        Assert.Equal(RegistrationStatus.Lapsed, (await Protection(vendor).Get(si, registration.Id)).Status);
        var decided = await Eventually(async () => (await Feed(si, FeedEventTypes.DealDecided)).SingleOrDefault());
        Assert.Equal("lapsed", decided.Data!.Value.GetProperty("registration").GetProperty("status").GetString());
        Assert.Contains("deal-lapsed", (await room.History(si, 0, 100)).Select(h => h.Action));
        Assert.Equal(RegistrationStatus.Pending, (await room.Register(si, new RegisterDeal(vendor))).Status);
    }

    [Fact]
    public async Task Protection_ends_by_its_reminder_even_after_the_grain_was_deactivated()
    {
        var vendor = await Vendor(new ProgramRules(ProtectionDays: 30));
        var isv = await Partner("Isv", PartnerType.Technology);
        var si = await Partner("Si", PartnerType.Service);
        var room = await Room(isv);
        var registration = await room.Register(isv, new RegisterDeal(vendor));
        var approved = await Protection(vendor).Decide(vendor, registration.Id, true, "Welcome aboard");
        var otherRoom = await Room(si);
        await Assert.ThrowsAsync<ProblemException>(() => otherRoom.Register(si, new RegisterDeal(vendor)));

        // Nothing is active any more; only the reminder (in PostgreSQL) knows the expiry.
        await cluster.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        DealCluster.Clock.Advance(approved.ProtectedUntil!.Value - DealCluster.Clock.GetUtcNow() - TimeSpan.FromSeconds(2));

        var ended = await Eventually(async () => (await Feed(isv, FeedEventTypes.DealProtectionEnded)).SingleOrDefault(), TimeSpan.FromSeconds(30));
        var data = ended.Data!.Value.GetProperty("registration");
        Assert.Equal((registration.Id, "ended"), (data.GetProperty("id").GetString(), data.GetProperty("status").GetString()));
        Assert.Equal(approved.ProtectedUntil, data.GetProperty("endedAt").GetDateTimeOffset());
        Assert.Single(await Feed(vendor, FeedEventTypes.DealProtectionEnded));
        Assert.Contains("protection-ended", (await room.History(isv, 0, 100)).Select(h => h.Action));

        // Nothing is due any more, so the reminder is gone; the new registration's deadline has its own.
        Assert.Equal(RegistrationStatus.Pending, (await otherRoom.Register(si, new RegisterDeal(vendor))).Status);
        await using var reminders = _db.CreateCommand("SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%' || $1 || '%'");
        reminders.Parameters.Add(new() { Value = vendor });
        Assert.Equal(1L, await reminders.ExecuteScalarAsync());
        await Protection(vendor).Decide(vendor, (await otherRoom.Registrations(si)).Single().Id, false, "No.");
        Assert.Equal(0L, await reminders.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_very_long_account_domain_still_gets_its_protection_and_reminder()
    {
        var vendor = await Vendor();
        var isv = await Partner("Isv", PartnerType.Technology);
        var si = await Partner("Si", PartnerType.Service);
        var domain = new string('a', 60) + ".s3-accesspoint-fips.dualstack.us-gov-west-1.amazonaws.com";
        async Task<IOpportunityRoomGrain> LongRoom(string owner)
        {
            var room = cluster.Grains.GetGrain<IOpportunityRoomGrain>(Guid.NewGuid().ToString("N"));
            Assert.Equal(domain, (await room.Open(owner, new OpenRoom(new RoomAccount("www." + domain, "Long Inc")))).Account.Domain);
            return room;
        }
        var registration = await (await LongRoom(isv)).Register(isv, new RegisterDeal(vendor));
        var approved = await cluster.Grains.GetGrain<IDealProtectionGrain>(DealKey.For(vendor, domain)).Decide(vendor, registration.Id, true, null);
        Assert.Equal(domain, approved.Account.Domain);
        var conflict = await Assert.ThrowsAsync<ProblemException>(async () => await (await LongRoom(si)).Register(si, new RegisterDeal(vendor)));
        Assert.Contains(domain, conflict.Message);
    }

    /// <summary>Polls until <paramref name="probe"/> gives a value (events are appended by one-way calls and reminders).</summary>
    private static async Task<T> Eventually<T>(Func<Task<T?>> probe, TimeSpan? timeout = null) where T : class
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow > until) throw new TimeoutException("The expected event did not arrive in time.");
            await Task.Delay(200);
        }
    }
}
