using CoSellNet.Api.Partnerships;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Partnerships;
using CoSellNet.Silo.Psi;

namespace CoSellNet.Api.Psi;

/// <summary>The checks every PSI request makes, against the partnership's state at that moment.</summary>
internal static class PsiAccess
{
    public static string Key(string me, string counterpartId) => PartnershipKey.For(me, PartnershipEndpoints.CheckId(counterpartId));

    /// <summary>The partnership, if records may be exchanged in it now; otherwise a problem that says why.</summary>
    public static async Task<PartnershipView> Exchanging(IGrainFactory grains, string me, string counterpartId)
    {
        var view = await PartnershipEndpoints.Grain(grains, me, counterpartId).Get(me);
        return view.Status switch
        {
            PartnershipStatus.Active => view,
            PartnershipStatus.Paused => throw ProblemException.Conflict("Partnership paused", "This partnership is paused; nothing is exchanged until it is resumed."),
            _ => throw ProblemException.Conflict($"Partnership {view.Status.ToString().ToLowerInvariant()}", "Records are exchanged only in an active partnership."),
        };
    }

    /// <summary>The intersection of the partnership's current epoch.</summary>
    public static IOverlapGrain Overlap(IGrainFactory grains, PartnershipView partnership) =>
        grains.GetGrain<IOverlapGrain>(OverlapKey.For(partnership.Id, partnership.Epoch));
}
