using System.Security.Claims;
using CoSellNet.Api.Auth;
using CoSellNet.Api.Paging;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Partnerships;
using CoSellNet.Silo.Psi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoSellNet.Api.Psi;

/// <summary>
/// Released results, as each side may see them under the counterpart's sharing rules at the
/// moment of the request: counts per population pair (small ones as "fewer than N"), and at
/// level overlaps the caller's own record ids that matched, with the counterpart's populations.
/// </summary>
public static class ResultEndpoints
{
    public static RouteGroupBuilder MapPsiResults(this RouteGroupBuilder api)
    {
        var psi = api.MapGroup("/partnerships/{counterpartId}/psi").WithTags("Private set intersection")
            .RequireAuthorization(Claims.Policies.Read);

        psi.MapGet("/", async Task<Ok<PsiStatus>> (string counterpartId, ClaimsPrincipal user, IGrainFactory grains, PsiStore records, ReblindStore reblind) =>
        {
            var me = user.PrincipalId();
            var partnership = await PartnershipEndpoints(grains, me, counterpartId);
            var them = partnership.Theirs.PartnerId;
            var release = await PsiAccess.Overlap(grains, partnership).Released();
            return TypedResults.Ok(new PsiStatus(
                partnership.Epoch,
                await records.Count(partnership.Id, partnership.Epoch, me),
                await records.Count(partnership.Id, partnership.Epoch, them),
                await reblind.Untagged(partnership.Id, partnership.Epoch, me),
                await reblind.Untagged(partnership.Id, partnership.Epoch, them),
                release.Version, release.At));
        })
        .WithSummary("Where the intersection stands in the current epoch");

        psi.MapGet("/matrix", async Task<Ok<OverlapMatrix>> (string counterpartId, ClaimsPrincipal user, IGrainFactory grains) =>
        {
            var me = user.PrincipalId();
            var partnership = await PsiAccess.Exchanging(grains, me, counterpartId);
            var release = await PsiAccess.Overlap(grains, partnership).Released();
            var lowSide = PartnershipKey.Split(partnership.Id).Low == me;
            var cells = new List<MatrixCell>();
            foreach (var cell in release.Matrix)
            {
                var (mine, theirs) = lowSide ? (cell.LowPopulation, cell.HighPopulation) : (cell.HighPopulation, cell.LowPopulation);
                var rule = partnership.Theirs.Rules.FirstOrDefault(r => r.Population == theirs);
                if (rule is null || rule.Level < SharingLevel.Counts) continue;
                cells.Add(cell.Count < rule.MinSegmentSize
                    ? new MatrixCell(mine, theirs, null, rule.MinSegmentSize)
                    : new MatrixCell(mine, theirs, cell.Count, null));
            }
            return TypedResults.Ok(new OverlapMatrix(partnership.Epoch, release.Version, release.At, cells));
        })
        .WithSummary("Overlap counts: my populations × the counterpart's shared populations");

        psi.MapGet("/overlaps", async Task<Ok<Page<OverlapRecord>>> (string counterpartId, string? cursor, int? limit, ClaimsPrincipal user, IGrainFactory grains, MatchStore matches) =>
        {
            var me = user.PrincipalId();
            var partnership = await PsiAccess.Exchanging(grains, me, counterpartId);
            // Larger pages than other lists allow: a client reads every overlap, and each page is a request and a query.
            var size = limit ?? Vocabulary.DefaultPageSize;
            if (size is < 1 or > OverlapPages.MaxPageSize)
                throw ProblemException.Invalid("limit", $"must be between 1 and {OverlapPages.MaxPageSize}.");
            var (after, _) = Cursor.Read(cursor, null);
            byte[]? afterRecord = null;
            if (after is not null)
            {
                try { afterRecord = Convert.FromHexString(after); }
                catch (FormatException) { throw ProblemException.Invalid("cursor", "is not a cursor this node issued; pass nextCursor from the previous page unchanged."); }
            }
            var visible = partnership.Theirs.Rules.Where(r => r.Level >= SharingLevel.Overlaps).Select(r => r.Population).ToArray();
            if (visible.Length == 0)
                return TypedResults.Ok(new Page<OverlapRecord>([], null));
            var withFields = partnership.Theirs.Rules.Where(r => r.Level >= SharingLevel.Fields).Select(r => r.Population).ToArray();
            var rows = await matches.Matches(partnership.Id, partnership.Epoch, PartnershipKey.Split(partnership.Id).Low == me,
                partnership.Theirs.PartnerId, visible, withFields, afterRecord, size + 1);
            var items = rows.Select(m => new OverlapRecord(
                Convert.ToHexStringLower(m.RecordId), m.MyPopulation, m.TheirPopulations,
                [.. m.Fields.Select(f => new SharedFields(Convert.ToHexStringLower(f.TheirRecordId), f.TheirPopulation, Convert.ToBase64String(f.Sealed)))])).ToList();
            return TypedResults.Ok(Cursor.Of(items, o => o.RecordId, size));
        })
        .WithSummary("My records that overlap, with the counterpart's populations (where it shares at level overlaps) and sealed fields (at level fields)")
        .WithDescription($"In record id order; limit is 1 to {OverlapPages.MaxPageSize:N0} (default {Vocabulary.DefaultPageSize}), more than other lists allow, since a client reads them all.");

        return api;
    }

    private static Task<PartnershipView> PartnershipEndpoints(IGrainFactory grains, string me, string counterpartId) =>
        Partnerships.PartnershipEndpoints.Grain(grains, me, counterpartId).Get(me);
}
