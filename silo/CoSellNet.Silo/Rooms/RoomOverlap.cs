using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Partnerships;

namespace CoSellNet.Silo.Rooms;

/// <summary>
/// Checks that the overlap a room is opened from is one the opener may see now: its own record,
/// matched in the current epoch of an active partnership, in a population the counterpart shares
/// with it at level overlaps or above. The server cannot check that the named account is that
/// record (it only ever sees blinded values): the opener vouches for it, and the history says so.
/// </summary>
public static class RoomOverlap
{
    public static async Task<OverlapSourceState> Check(IGrainFactory grains, RoomStore store, string by, OverlapReference overlap)
    {
        var v = new Validator();
        var counterpartOk = overlap.CounterpartId is { Length: > 0 and <= 64 } c && c.All(char.IsAsciiLetterOrDigit) && c != by;
        v.Require(counterpartOk, "fromOverlap.counterpartId", "must be the partner id of the counterpart of one of your partnerships.");
        byte[]? record = null;
        if (overlap.RecordId is { Length: 32 } hex)
        {
            try { record = Convert.FromHexString(hex); }
            catch (FormatException) { }
        }
        v.Require(record is not null, "fromOverlap.recordId", "must be one of your record ids as listed by GET …/psi/overlaps: 32 hex digits.");
        v.ThrowIfInvalid();

        var partnership = await grains.GetGrain<IPartnershipGrain>(PartnershipKey.For(by, overlap.CounterpartId)).Get(by);
        if (partnership.Status != PartnershipStatus.Active)
            throw ProblemException.Conflict("Partnership not active",
                $"Your partnership with {partnership.Theirs.PartnerName} is {RoomRules.Name(partnership.Status)}: its overlaps can be used only while it is active. Open the room for the account directly instead.");
        var visible = partnership.Theirs.Rules.Where(r => r.Level >= SharingLevel.Overlaps).Select(r => r.Population).ToArray();
        var lowSide = PartnershipKey.Split(partnership.Id).Low == by;
        if (!await store.IsVisibleMatch(partnership.Id, partnership.Epoch, lowSide, record!, visible))
            throw ProblemException.NotFound("Overlap",
                $"Record {overlap.RecordId.ToLowerInvariant()} is not among the overlaps {partnership.Theirs.PartnerName} shares with you in the current epoch. " +
                $"List them with GET /api/v1/partnerships/{overlap.CounterpartId}/psi/overlaps.");
        return new OverlapSourceState(overlap.CounterpartId, overlap.RecordId.ToLowerInvariant(), partnership.Epoch);
    }
}
