using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Partners;
using CoSellNet.Silo.Partnerships;

namespace CoSellNet.Silo.Tests.Grains;

[Collection(GrainCollection.Name)]
public sealed class PartnershipGrainTests(GrainCluster cluster)
{
    private async Task<string> Partner(string name)
    {
        var id = Guid.NewGuid().ToString("N");
        await cluster.Grains.GetGrain<IPartnerGrain>(id).Register(
            new PartnerRegistration(name, $"{name}-{id[..12]}.com", PartnerType.Technology));
        return id;
    }

    [Fact]
    public async Task Both_sides_address_one_grain_and_see_themselves_as_mine()
    {
        var a = await Partner("a");
        var b = await Partner("b");
        Assert.Equal(PartnershipKey.For(a, b), PartnershipKey.For(b, a));
        var grain = cluster.Grains.GetGrain<IPartnershipGrain>(PartnershipKey.For(a, b));
        await grain.Propose(a, new ProposePartnership(b, ["co-sell"]));
        var fromB = await grain.Get(b);
        Assert.Equal(b, fromB.Mine.PartnerId);
        Assert.Equal(["co-sell"], fromB.Theirs.Motions);
        Assert.Equal([b], await cluster.Grains.GetGrain<IPartnerGrain>(a).ListCounterparts(null, 10));
        Assert.Equal([a], await cluster.Grains.GetGrain<IPartnerGrain>(b).ListCounterparts(null, 10));
    }

    [Fact]
    public async Task A_third_partner_is_told_not_found_for_every_action()
    {
        var a = await Partner("a");
        var b = await Partner("b");
        var c = await Partner("c");
        var grain = cluster.Grains.GetGrain<IPartnershipGrain>(PartnershipKey.For(a, b));
        await grain.Propose(a, new ProposePartnership(b));
        var actions = new Func<Task>[]
        {
            () => grain.Get(c), () => grain.Accept(c, new AcceptPartnership()), () => grain.Decline(c), () => grain.Pause(c),
            () => grain.Resume(c), () => grain.End(c), () => grain.Rotate(c), () => grain.SetMotions(c, ["co-sell"]),
            () => grain.SetRules(c, []), () => grain.History(c, 0, 10),
        };
        foreach (var act in actions)
            Assert.Equal(ProblemKind.NotFound, (await Assert.ThrowsAsync<ProblemException>(act)).Kind);
    }

    [Fact]
    public async Task Pauses_by_both_sides_need_both_resumes()
    {
        var a = await Partner("a");
        var b = await Partner("b");
        var grain = cluster.Grains.GetGrain<IPartnershipGrain>(PartnershipKey.For(a, b));
        await grain.Propose(a, new ProposePartnership(b));
        await grain.Accept(b, new AcceptPartnership());
        await grain.Pause(a);
        await grain.Pause(b);
        Assert.Equal(PartnershipStatus.Paused, (await grain.Resume(a)).Status);
        Assert.Equal(PartnershipStatus.Active, (await grain.Resume(b)).Status);
    }

    [Fact]
    public async Task Problems_cross_the_grain_boundary_with_their_field_errors()
    {
        var a = await Partner("a");
        var b = await Partner("b");
        var grain = cluster.Grains.GetGrain<IPartnershipGrain>(PartnershipKey.For(a, b));
        var problem = await Assert.ThrowsAsync<ProblemException>(() =>
            grain.Propose(a, new ProposePartnership(b, ["nope"], [new SharingRule("ghosts", SharingLevel.Counts)])));
        Assert.Equal(ProblemKind.Validation, problem.Kind);
        Assert.Contains("motions", problem.Errors!.Keys);
        Assert.Contains("rules[0].population", problem.Errors.Keys);
    }
}
