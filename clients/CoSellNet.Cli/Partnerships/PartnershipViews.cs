using CoSellNet.Cli.Output;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Partnerships;

internal static class PartnershipViews
{
    public static Columns<PartnershipView> List { get; } = new Columns<PartnershipView>()
        .Add("Counterpart", p => p.Theirs.PartnerId)
        .Add("Name", p => p.Theirs.PartnerName)
        .Add("Status", p => Cells.Name(p.Status))
        .Add("Epoch", p => Cells.Number(p.Epoch))
        .Add("My motions", p => Cells.List(p.Mine.Motions))
        .Add("My rules", p => Cells.Rules(p.Mine.Rules))
        .Add("Their motions", p => Cells.List(p.Theirs.Motions))
        .Add("Their rules", p => Cells.Rules(p.Theirs.Rules))
        .Add("Updated", p => Cells.Time(p.UpdatedAt));

    public static Columns<PartnershipView> Detail { get; } = new Columns<PartnershipView>()
        .Add("Id", p => p.Id)
        .Add("Counterpart", p => p.Theirs.PartnerId)
        .Add("Name", p => p.Theirs.PartnerName)
        .Add("Status", p => Cells.Name(p.Status))
        .Add("Epoch", p => Cells.Number(p.Epoch))
        .Add("Proposed by", p => p.ProposedBy == p.Mine.PartnerId ? "me" : p.ProposedBy == p.Theirs.PartnerId ? "them" : p.ProposedBy)
        .Add("My motions", p => Cells.List(p.Mine.Motions))
        .Add("My rules", p => Cells.Rules(p.Mine.Rules))
        .Add("I paused", p => Cells.YesNo(p.Mine.Paused))
        .Add("Their motions", p => Cells.List(p.Theirs.Motions))
        .Add("Their rules", p => Cells.Rules(p.Theirs.Rules))
        .Add("They paused", p => Cells.YesNo(p.Theirs.Paused))
        .Add("Created", p => Cells.Time(p.CreatedAt))
        .Add("Updated", p => Cells.Time(p.UpdatedAt));

    public static Columns<PartnershipChange> History { get; } = new Columns<PartnershipChange>()
        .Add("Seq", c => Cells.Number(c.Sequence))
        .Add("At", c => Cells.Time(c.At))
        .Add("By", c => c.ByPartner)
        .Add("Action", c => c.Action)
        .Add("Detail", c => c.Detail);
}
