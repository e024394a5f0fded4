using CoSellNet.Cli.Output;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Invitations;

internal static class InvitationViews
{
    public static Columns<InvitationView> List(DateTimeOffset now) => new Columns<InvitationView>()
        .Add("Id", i => i.Id)
        .Add("Company", i => i.CompanyName)
        .Add("State", i => State(i, now))
        .Add("Motions", i => Cells.List(i.Motions))
        .Add("Created", i => Cells.Time(i.CreatedAt))
        .Add("Expires", i => Cells.Time(i.ExpiresAt))
        .Add("Redeemed by", i => i.RedeemedByPartner);

    /// <summary>A new invitation with its token: shown this once.</summary>
    public static Columns<CreatedInvitation> Created { get; } = new Columns<CreatedInvitation>()
        .Add("Id", c => c.Invitation.Id)
        .Add("Company", c => c.Invitation.CompanyName)
        .Add("Motions", c => Cells.List(c.Invitation.Motions))
        .Add("Expires", c => Cells.Time(c.Invitation.ExpiresAt))
        .Add("Token", c => c.Token);

    public static string State(InvitationView i, DateTimeOffset now) =>
        i.RevokedAt is not null ? "revoked"
        : i.RedeemedAt is not null ? "redeemed"
        : i.ExpiresAt <= now ? "expired"
        : "open";
}
