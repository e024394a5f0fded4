using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using Validator = CoSellNet.Silo.Errors.Validator;

namespace CoSellNet.Silo.Partners;

public sealed class PartnerGrain(
    [PersistentState("partner", SiloHosting.StorageName)] IPersistentState<PartnerState> state,
    PartnerDirectory directory,
    TimeProvider clock) : Grain, IPartnerGrain
{
    private string Id => this.GetPrimaryKeyString();

    public async Task<PartnerProfile> Register(PartnerRegistration registration)
    {
        if (state.State.Registered)
            throw ProblemException.Conflict("Partner already exists", $"A partner with id {Id} is already registered.");
        var next = PartnerValidation.Apply(new PartnerState(), registration) with { Registered = true, JoinedAt = clock.GetUtcNow() };
        // The directory goes first: it refuses a domain that another partner holds.
        await directory.Upsert(next.ToEntry(Id));
        state.State = next;
        await state.WriteStateAsync();
        return next.ToProfile(Id);
    }

    public async Task<PartnerProfile> Update(PartnerRegistration registration)
    {
        EnsureRegistered();
        var next = PartnerValidation.Apply(state.State, registration);
        await directory.Upsert(next.ToEntry(Id));
        state.State = next;
        await state.WriteStateAsync();
        return next.ToProfile(Id);
    }

    public async Task<PartnerProfile> SetPublicKeys(PublicKeys keys)
    {
        EnsureRegistered();
        var v = new Validator();
        PartnerValidation.CheckKeys(keys, v);
        v.ThrowIfInvalid();
        var next = state.State with { KeysVersion = keys.Version, X25519 = keys.X25519, Ed25519 = keys.Ed25519 };
        await directory.Upsert(next.ToEntry(Id));
        state.State = next;
        await state.WriteStateAsync();
        return next.ToProfile(Id);
    }

    public Task<PartnerProfile> GetProfile()
    {
        EnsureRegistered();
        return Task.FromResult(state.State.ToProfile(Id));
    }

    public Task<DirectoryEntry> GetEntry()
    {
        EnsureRegistered();
        return Task.FromResult(state.State.ToEntry(Id));
    }

    public Task<DirectoryEntry?> Find() =>
        Task.FromResult(state.State.Registered ? state.State.ToEntry(Id) : null);

    public async Task AddCounterpart(string counterpartId)
    {
        EnsureRegistered();
        if (state.State.Counterparts.Add(counterpartId)) await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> ListCounterparts(string? after, int limit)
    {
        IEnumerable<string> view = state.State.Counterparts;
        if (after is not null) view = view.Where(x => string.CompareOrdinal(x, after) > 0);
        return Task.FromResult<IReadOnlyList<string>>([.. view.Take(limit)]);
    }

    private void EnsureRegistered()
    {
        if (!state.State.Registered)
            throw ProblemException.NotFound("Partner", $"No partner with id {Id} exists on this network. Check the id in the directory.");
    }
}
