using CoSellNet.Cli.Output;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Keys;

internal static class KeyViews
{
    public static Columns<ApiKeyView> List { get; } = new Columns<ApiKeyView>()
        .Add("Id", k => k.Id)
        .Add("Name", k => k.Name)
        .Add("Scopes", k => Cells.Names(k.Scopes))
        .Add("Created", k => Cells.Time(k.CreatedAt))
        .Add("Last used", k => Cells.Time(k.LastUsedAt))
        .Add("Revoked", k => Cells.Time(k.RevokedAt));

    /// <summary>A new key with its secret: shown this once.</summary>
    public static Columns<CreatedApiKey> Created { get; } = new Columns<CreatedApiKey>()
        .Add("Id", k => k.Key.Id)
        .Add("Name", k => k.Key.Name)
        .Add("Scopes", k => Cells.Names(k.Key.Scopes))
        .Add("Created", k => Cells.Time(k.Key.CreatedAt))
        .Add("Key", k => k.Secret);
}
