using CoSellNet.Cli.Output;
using CoSellNet.Client;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Partners;

internal static class PartnerViews
{
    public static Columns<DirectoryEntry> Directory { get; } = new Columns<DirectoryEntry>()
        .Add("Id", e => e.Id)
        .Add("Name", e => e.Name)
        .Add("Domain", e => e.Domain)
        .Add("Type", e => Cells.Name(e.Type))
        .Add("Tier", e => e.Tier)
        .Add("Industries", e => Cells.List(e.Capabilities?.Industries))
        .Add("Regions", e => Cells.List(e.Capabilities?.Regions))
        .Add("Products", e => Cells.List(e.Capabilities?.Products))
        .Add("Populations", e => Cells.List(e.Populations))
        .Add("Public keys", e => Keys(e.PublicKeys))
        .Add("Joined", e => Cells.Time(e.JoinedAt));

    public static Columns<PartnerProfile> Profile { get; } = Prefixed(Directory, (PartnerProfile p) => p.Entry)
        .Add("Contact email", p => p.PrivateSettings?.ContactEmail)
        .Add("Default sharing", p => p.PrivateSettings is { } s ? Cells.Name(s.DefaultSharing) : null);

    /// <summary>A new partner. The key is shown in full only where <paramref name="showSecret"/> (shown once).</summary>
    public static Columns<PartnerCreated> Created(bool showSecret) => new Columns<PartnerCreated>()
        .Add("Partner id", c => c.Partner.Entry.Id)
        .Add("Name", c => c.Partner.Entry.Name)
        .Add("Domain", c => c.Partner.Entry.Domain)
        .Add("Type", c => Cells.Name(c.Partner.Entry.Type))
        .Add("Tier", c => c.Partner.Entry.Tier)
        .Add("Key id", c => c.ApiKey.Key.Id)
        .Add("Key scopes", c => Cells.Names(c.ApiKey.Key.Scopes))
        .Add("Key", c => showSecret ? c.ApiKey.Secret : ApiKeyFormat.Redact(c.ApiKey.Secret))
        .Add("Partnership", c => c.Partnership is { } p ? $"{Cells.Name(p.Status)} with {p.Theirs.PartnerName} ({p.Theirs.PartnerId})" : null);

    private static string Keys(PublicKeys? keys) => keys is null ? "none" : $"v{keys.Version}";

    private static Columns<TOuter> Prefixed<TOuter, TInner>(Columns<TInner> inner, Func<TOuter, TInner> select)
    {
        var columns = new Columns<TOuter>();
        foreach (var column in inner) columns.Add(column.Header, o => column.Value(select(o)));
        return columns;
    }
}
