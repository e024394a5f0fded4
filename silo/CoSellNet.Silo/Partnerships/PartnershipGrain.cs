using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Feed;
using Microsoft.Extensions.Logging;
using CoSellNet.Silo.Partners;

namespace CoSellNet.Silo.Partnerships;

public sealed class PartnershipGrain(
    [PersistentState("partnership", SiloHosting.StorageName)] IPersistentState<PartnershipState> state,
    Psi.PsiStore psi,
    TimeProvider clock,
    ILogger<PartnershipGrain> log) : Grain, IPartnershipGrain
{
    private PartnershipState S => state.State;

    public async Task<PartnershipView> Propose(string by, ProposePartnership proposal)
    {
        var counterpart = Counterpart(by);
        if (by == counterpart)
            throw ProblemException.Invalid("counterpartId", "is your own partner id; propose a partnership to another partner.");
        var them = await GrainFactory.GetGrain<IPartnerGrain>(counterpart).Find()
                   ?? throw ProblemException.NotFound("Partner", $"No partner with id {counterpart} exists on this network. Find partners in the directory (GET /api/v1/directory).");
        if (S.Exists && S.Status is PartnershipStatus.Proposed or PartnershipStatus.Active or PartnershipStatus.Paused)
            throw ProblemException.Conflict("Partnership already exists",
                S.Status == PartnershipStatus.Proposed
                    ? $"A partnership with {them.Name} is already proposed by {(S.ProposedBy == by ? "you" : them.Name)}; {(S.ProposedBy == by ? "wait for them to accept" : "accept it instead")}."
                    : $"You already have {WithArticle(S.Status)} partnership with {them.Name}.");

        var v = new Validator();
        var motions = PartnershipRules.CheckMotions(proposal.Motions, "motions", v);
        var rules = PartnershipRules.CheckRules(proposal.Rules, await Populations(by), v);
        v.ThrowIfInvalid();

        var now = clock.GetUtcNow();
        var restart = S.Exists && S.WasActive;
        state.State = S with
        {
            Exists = true,
            Status = PartnershipStatus.Proposed,
            Epoch = S.Exists ? S.Epoch + (restart ? 1 : 0) : 1,
            ProposedBy = by,
            CreatedAt = S.Exists ? S.CreatedAt : now,
            UpdatedAt = now,
            WasActive = false,
            Sides = new(StringComparer.Ordinal) { [by] = new SideState(motions, rules, false), [counterpart] = SideState.Empty },
        };
        Record("proposed", by, restart ? $"epoch {S.Epoch}" : null);
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IPartnerGrain>(by).AddCounterpart(counterpart);
        await GrainFactory.GetGrain<IPartnerGrain>(counterpart).AddCounterpart(by);
        await Announce("proposed", by, null);
        return await View(by);
    }

    public async Task<PartnershipView> Accept(string by, AcceptPartnership acceptance)
    {
        Require(by, PartnershipStatus.Proposed, "accept");
        if (S.ProposedBy == by)
            throw ProblemException.Forbidden("Cannot accept your own proposal", "You proposed this partnership; the other partner must accept it. Use end to withdraw the proposal.");
        var v = new Validator();
        var motions = PartnershipRules.CheckMotions(acceptance.Motions, "motions", v);
        var rules = PartnershipRules.CheckRules(acceptance.Rules, await Populations(by), v);
        v.ThrowIfInvalid();
        S.Sides[by] = new SideState(motions, rules, false);
        return await Change(by, "accepted", s => s with { Status = PartnershipStatus.Active, WasActive = true });
    }

    public Task<PartnershipView> Decline(string by)
    {
        Require(by, PartnershipStatus.Proposed, "decline");
        if (S.ProposedBy == by)
            throw ProblemException.Forbidden("Cannot decline your own proposal", "You proposed this partnership; use end to withdraw it.");
        return Change(by, "declined", s => s with { Status = PartnershipStatus.Declined });
    }

    public Task<PartnershipView> Pause(string by)
    {
        RequireLive(by, "pause");
        if (S.Status == PartnershipStatus.Proposed)
            throw ProblemException.Conflict("Partnership not active", "This partnership is only proposed; there is nothing to pause yet.");
        if (S.Sides[by].Paused)
            throw ProblemException.Conflict("Already paused", "You already paused this partnership; resume it to continue.");
        S.Sides[by] = S.Sides[by] with { Paused = true };
        return Change(by, "paused", s => s with { Status = PartnershipStatus.Paused });
    }

    public Task<PartnershipView> Resume(string by)
    {
        RequireLive(by, "resume");
        if (!S.Sides[by].Paused)
            throw ProblemException.Conflict("Not paused by you",
                S.Status == PartnershipStatus.Paused
                    ? "The other partner paused this partnership; only they can resume it."
                    : "This partnership is not paused.");
        S.Sides[by] = S.Sides[by] with { Paused = false };
        var anyPaused = S.Sides.Values.Any(x => x.Paused);
        return Change(by, "resumed", s => s with { Status = anyPaused ? PartnershipStatus.Paused : PartnershipStatus.Active });
    }

    public async Task<PartnershipView> End(string by)
    {
        RequireLive(by, "end");
        var view = await Change(by, "ended", s => s with { Status = PartnershipStatus.Ended });
        // Ending withdraws consent: the blinded data of every epoch goes.
        await psi.DeleteBefore(this.GetPrimaryKeyString(), int.MaxValue);
        return view;
    }

    public async Task<PartnershipView> Rotate(string by)
    {
        RequireLive(by, "rotate keys of");
        if (S.Status == PartnershipStatus.Proposed)
            throw ProblemException.Conflict("Partnership not active", "A proposed partnership has no data yet; rotate after it is accepted.");
        var view = await Change(by, "rotated", s => s with { Epoch = s.Epoch + 1 }, $"epoch {S.Epoch + 1}");
        await psi.DeleteBefore(this.GetPrimaryKeyString(), S.Epoch);
        return view;
    }

    public Task<PartnershipView> SetMotions(string by, IReadOnlyList<string> motions)
    {
        RequireLive(by, "change motions of");
        var v = new Validator();
        var checkedMotions = PartnershipRules.CheckMotions(motions, "motions", v);
        v.ThrowIfInvalid();
        S.Sides[by] = S.Sides[by] with { Motions = checkedMotions };
        return Change(by, "motions-changed", s => s, string.Join(",", checkedMotions));
    }

    public async Task<PartnershipView> SetRules(string by, IReadOnlyList<SharingRule> rules)
    {
        RequireLive(by, "change rules of");
        var v = new Validator();
        var checkedRules = PartnershipRules.CheckRules(rules, await Populations(by), v);
        v.ThrowIfInvalid();
        S.Sides[by] = S.Sides[by] with { Rules = checkedRules };
        return await Change(by, "rules-changed", s => s,
            string.Join(",", checkedRules.Select(r => $"{r.Population}={Name(r.Level)}" + (r.MinSegmentSize > 0 ? $":{r.MinSegmentSize}" : ""))));
    }

    public Task<PartnershipView> Get(string by)
    {
        RequireMember(by);
        return View(by);
    }

    public Task<IReadOnlyList<PartnershipChange>> History(string by, long after, int limit)
    {
        RequireMember(by);
        return Task.FromResult<IReadOnlyList<PartnershipChange>>(
            [.. S.History.Where(h => h.Sequence > after).Take(limit).Select(h => h.ToChange())]);
    }

    private async Task<PartnershipView> Change(string by, string action, Func<PartnershipState, PartnershipState> apply, string? detail = null)
    {
        state.State = apply(S) with { UpdatedAt = clock.GetUtcNow() };
        Record(action, by, detail);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The change is in memory but not stored: drop the activation so the next call reloads.
            this.DeactivateOnIdle();
            throw;
        }
        await Announce(action, by, detail);
        return await View(by);
    }

    /// <summary>Puts the change in both partners' feeds (each sees the other as the partner concerned).</summary>
    private async Task Announce(string action, string by, string? detail)
    {
        var (low, high) = PartnershipKey.Split(this.GetPrimaryKeyString());
        foreach (var (recipient, other) in new[] { (low, high), (high, low) })
        {
            try
            {
                await GrainFactory.Append(recipient, "partnership." + action, partner: other,
                    data: new { action, by, detail, status = Name(S.Status), epoch = S.Epoch });
            }
            catch (Exception e)
            {
                // The change is stored and visible in the partnership's history; only its notice is lost.
                log.LogWarning(e, "Could not add partnership {Action} to the feed of {Partner}", action, recipient);
            }
        }
    }

    private void Record(string action, string by, string? detail) =>
        S.History.Add(new ChangeRecord(S.History.Count + 1, action, by, clock.GetUtcNow(), detail));

    private async Task<PartnershipView> View(string by)
    {
        var counterpart = Counterpart(by);
        var mine = await GrainFactory.GetGrain<IPartnerGrain>(by).Find();
        var theirs = await GrainFactory.GetGrain<IPartnerGrain>(counterpart).Find();
        return new PartnershipView(
            this.GetPrimaryKeyString(), S.Status, S.Epoch, S.ProposedBy,
            Side(by, mine?.Name), Side(counterpart, theirs?.Name), S.CreatedAt, S.UpdatedAt);
    }

    private PartnershipSide Side(string partner, string? name)
    {
        var side = S.Sides.GetValueOrDefault(partner) ?? SideState.Empty;
        return new PartnershipSide(partner, name ?? "", side.Motions, [.. side.Rules.Select(r => r.ToRule())], side.Paused);
    }

    private async Task<IReadOnlyList<string>> Populations(string partner) =>
        (await GrainFactory.GetGrain<IPartnerGrain>(partner).GetEntry()).Populations;

    /// <summary>The other partner of this grain's pair; a caller outside the pair gets not-found.</summary>
    private string Counterpart(string by)
    {
        var (low, high) = PartnershipKey.Split(this.GetPrimaryKeyString());
        if (by == low) return high;
        if (by == high) return low;
        throw NotFound();
    }

    private void RequireMember(string by)
    {
        Counterpart(by);
        if (!S.Exists) throw NotFound();
    }

    private void Require(string by, PartnershipStatus status, string verb)
    {
        RequireMember(by);
        if (S.Status != status)
            throw ProblemException.Conflict($"Partnership is {Name(S.Status)}", $"You can only {verb} {WithArticle(status)} partnership; this one is {Name(S.Status)}.");
    }

    /// <summary>Proposed, active or paused: anything but declined or ended.</summary>
    private void RequireLive(string by, string verb)
    {
        RequireMember(by);
        if (S.Status is PartnershipStatus.Declined or PartnershipStatus.Ended)
            throw ProblemException.Conflict($"Partnership is {Name(S.Status)}", $"You cannot {verb} {WithArticle(S.Status)} partnership. Propose it again to start a new one.");
    }

    private static ProblemException NotFound() =>
        ProblemException.NotFound("Partnership", "You have no partnership with that partner. List yours with GET /api/v1/partnerships, or propose one.");

    private static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    /// <summary>A status with its indefinite article: "an active", "an ended", "a paused".</summary>
    private static string WithArticle(PartnershipStatus status)
    {
        var name = Name(status);
        return ("aeiou".Contains(name[0], StringComparison.Ordinal) ? "an " : "a ") + name;
    }
}
