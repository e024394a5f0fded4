using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Partners;
using CoSellNet.Silo.Rooms;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CoSellNet.Silo.Deals;

public sealed class DealProtectionGrain(
    [PersistentState("deals", SiloHosting.StorageName)] IPersistentState<ProtectionState> state,
    DealStore store,
    IOptions<DealOptions> options,
    TimeProvider clock,
    ILogger<DealProtectionGrain> log) : Grain, IDealProtectionGrain, IRemindable
{
    public const string ReminderName = "deal-deadlines";

    /// <summary>The due time the reminder is registered for (null: none), once this activation knows it.</summary>
    private DateTimeOffset? scheduled;
    private bool scheduleKnown;

    private string VendorId => DealKey.VendorOf(this.GetPrimaryKeyString());
    private string Domain => state.State.Domain;
    private List<RegistrationState> Registrations => state.State.Registrations;

    public async Task<DealRegistration> Register(string partnerId, string roomId, RoomAccount account, string? note)
    {
        if (DealKey.For(VendorId, account.Domain) != this.GetPrimaryKeyString())
            throw new ArgumentException($"Account {account.Domain} does not belong to protection grain {this.GetPrimaryKeyString()}.", nameof(account));
        var now = await Settle();
        var program = await GrainFactory.GetGrain<IVendorProgramGrain>(VendorId).Get();
        var partner = await GrainFactory.GetGrain<IPartnerGrain>(partnerId).GetEntry();
        if (!program.EligibleTypes.Contains(partner.Type))
            throw DealProblems.NotEligible(program.VendorName, partner.Name, partner.Type, program.EligibleTypes);
        if (Registrations.Find(r => r.Protects(now)) is { } holder)
            throw DealProblems.Protected(program.VendorName, Domain, holder);
        if (Registrations.Find(r => r.RoomId == roomId && r.Live) is { } live)
            throw DealProblems.OnePerRoom(program.VendorName, live);
        if (Registrations.Find(r => r.PartnerId == partnerId && r.Status == RegistrationStatus.Pending) is { } pending)
            throw DealProblems.OnePending(program.VendorName, pending);

        var registration = new RegistrationState
        {
            Id = Guid.NewGuid().ToString("N"),
            VendorName = program.VendorName,
            PartnerId = partnerId,
            PartnerName = partner.Name,
            RoomId = roomId,
            AccountName = account.Name,
            Status = RegistrationStatus.Pending,
            Note = note,
            RegisteredAt = now,
            DecideBy = now.AddDays(program.ApprovalDeadlineDays),
            ProtectionDays = program.ProtectionDays,
        };
        state.State.Domain = account.Domain;
        Registrations.Add(registration);
        await Save([registration], notifyRooms: false);
        return View(registration);
    }

    public async Task<DealRegistration> Decide(string by, string registrationId, bool approve, string? reason)
    {
        var now = await Settle();
        if (by != VendorId) throw DealProblems.NotFound();
        var index = Registrations.FindIndex(r => r.Id == registrationId);
        if (index < 0) throw DealProblems.NotFound();
        var registration = Registrations[index];
        if (registration.Status == RegistrationStatus.Lapsed) throw DealProblems.DeadlinePassed(registration);
        if (registration.Status != RegistrationStatus.Pending) throw DealProblems.NotPending(registration);
        var v = new Validator();
        v.Text(reason, "reason", RoomLimits.MaxNoteLength, required: false);
        if (!approve && string.IsNullOrWhiteSpace(reason)) v.Add("reason", "is required to reject: tell the partner why.");
        v.ThrowIfInvalid();

        var changed = new List<RegistrationState>();
        if (approve)
        {
            if (Registrations.Find(r => r.Protects(now)) is { } holder)
                throw DealProblems.Protected(registration.VendorName, Domain, holder);
            registration = registration with
            {
                Status = RegistrationStatus.Approved,
                DecidedAt = now,
                Reason = reason,
                ProtectedUntil = now.AddDays(registration.ProtectionDays),
            };
            // The approval protects the account: the others waiting on it cannot be approved any more.
            for (var i = 0; i < Registrations.Count; i++)
            {
                if (i == index || Registrations[i].Status != RegistrationStatus.Pending) continue;
                Registrations[i] = Registrations[i] with
                {
                    Status = RegistrationStatus.Rejected,
                    DecidedAt = now,
                    Reason = $"Rule '{DealRules.Protection}': {registration.PartnerName}'s registration was approved, which protects the account until {DealProblems.Date(registration.ProtectedUntil!.Value)}.",
                };
                changed.Add(Registrations[i]);
            }
        }
        else
        {
            registration = registration with { Status = RegistrationStatus.Rejected, DecidedAt = now, Reason = reason!.Trim() };
        }
        Registrations[index] = registration;
        changed.Insert(0, registration);
        await Save(changed, notifyRooms: true);
        return View(registration);
    }

    public async Task<DealRegistration> Get(string by, string registrationId)
    {
        await Settle();
        var registration = Registrations.Find(r => r.Id == registrationId);
        if (registration is null || (by != VendorId && by != registration.PartnerId)) throw DealProblems.NotFound();
        return View(registration);
    }

    public async Task<IReadOnlyList<DealRegistration>> ForRoom(string roomId)
    {
        await Settle();
        return [.. Registrations.Where(r => r.RoomId == roomId).Select(View)];
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName) return;
        scheduleKnown = false; // it fired: whatever is due next must be scheduled again, or the reminder removed
        await Settle();
        await Schedule();
    }

    /// <summary>
    /// Lapses pending registrations past their approval deadline and ends protections past their
    /// expiry, stores that and tells the rooms. Returns the time it settled at.
    /// </summary>
    private async Task<DateTimeOffset> Settle()
    {
        var now = clock.GetUtcNow();
        var changed = new List<RegistrationState>();
        for (var i = 0; i < Registrations.Count; i++)
        {
            var r = Registrations[i];
            if (r.Status == RegistrationStatus.Pending && r.DecideBy <= now)
                Registrations[i] = r with
                {
                    Status = RegistrationStatus.Lapsed,
                    DecidedAt = r.DecideBy,
                    Reason = $"Rule '{DealRules.ApprovalDeadline}': the vendor did not decide by {DealProblems.Date(r.DecideBy)}.",
                };
            else if (r.Status == RegistrationStatus.Approved && r.ProtectedUntil <= now)
                Registrations[i] = r with { Status = RegistrationStatus.Ended, EndedAt = r.ProtectedUntil };
            else
                continue;
            changed.Add(Registrations[i]);
        }
        if (changed.Count > 0) await Save(changed, notifyRooms: true);
        return now;
    }

    private async Task Save(IReadOnlyList<RegistrationState> changed, bool notifyRooms)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The change is in memory but not stored: drop the activation so the next call reloads.
            DeactivateOnIdle();
            throw;
        }
        var views = changed.Select(View).ToList();
        try
        {
            // Every change rewrites all of this account's rows, so one that failed before is repaired now.
            await store.Upsert(Registrations.Select(View), clock.GetUtcNow());
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Deal registrations of {Key} are stored but not listed yet; the next change lists them", this.GetPrimaryKeyString());
        }
        if (notifyRooms)
            foreach (var view in views)
                await GrainFactory.GetGrain<IOpportunityRoomGrain>(view.RoomId).RegistrationChanged(view);
        await Schedule();
    }

    /// <summary>Keeps the reminder on the next deadline or expiry, or removes it when nothing is due.</summary>
    private async Task Schedule()
    {
        var next = Registrations.Select(r => r.NextDue).Where(d => d is not null).Min();
        if (scheduleKnown && next == scheduled) return;
        if (next is null)
        {
            if (await this.GetReminder(ReminderName) is { } reminder) await this.UnregisterReminder(reminder);
        }
        else
        {
            var due = next.Value - clock.GetUtcNow();
            await this.RegisterOrUpdateReminder(ReminderName, due > TimeSpan.Zero ? due : TimeSpan.FromSeconds(1), options.Value.ReminderPeriod);
        }
        scheduled = next;
        scheduleKnown = true;
    }

    private DealRegistration View(RegistrationState r) => r.ToView(VendorId, Domain);
}
