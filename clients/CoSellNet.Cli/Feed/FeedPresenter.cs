using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CoSellNet.Cli.App;
using CoSellNet.Cli.Local;
using CoSellNet.Client;
using CoSellNet.Protocol;

namespace CoSellNet.Cli.Feed;

/// <summary>One of my accounts named by a record id in a release notice, resolved on this machine.</summary>
internal sealed record FeedAccount(string RecordId, string Account, string MatchKey, string Population);

/// <summary>An event as shown: the node's event, the partner's name, a one-line summary, and my accounts it names.</summary>
internal sealed record FeedLine(FeedEvent Event, string? PartnerName, string Summary, IReadOnlyList<FeedAccount>? Found, IReadOnlyList<FeedAccount>? Gone)
{
    /// <summary>The node's JSON of the event, with <c>partnerName</c> and, when resolved, <c>accounts</c> added.</summary>
    public JsonObject ToJson()
    {
        var json = JsonSerializer.SerializeToNode(Event, CliJson.Options.Info<FeedEvent>())!.AsObject();
        if (PartnerName is not null) json["partnerName"] = PartnerName;
        if (Found is not null || Gone is not null)
            json["accounts"] = new JsonObject
            {
                ["found"] = JsonSerializer.SerializeToNode(Found ?? [], CliJson.Options.Info<IReadOnlyList<FeedAccount>>()),
                ["gone"] = JsonSerializer.SerializeToNode(Gone ?? [], CliJson.Options.Info<IReadOnlyList<FeedAccount>>()),
            };
        return json;
    }
}

/// <summary>
/// Turns feed events into lines people read: partners by name (asked once each), "you" for my own
/// changes, and the record ids of a release as my account names through the local index, when
/// this profile has one. The node never learns which accounts those are.
/// </summary>
internal sealed class FeedPresenter(CoSellNetClient client, string me, LocalStore? index, TextWriter error) : IDisposable
{
    /// <summary>How many account names a summary lists per side before "and N more".</summary>
    public const int NamesInSummary = 5;

    private readonly Dictionary<string, string?> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _partnerships = new(StringComparer.Ordinal);
    private bool _warnedNoIndex;

    public async Task<FeedLine> Describe(FeedEvent e, CancellationToken ct)
    {
        var partnerName = e.Partner is null ? null : await Name(e.Partner, ct);
        var data = e.Data is { ValueKind: JsonValueKind.Object } d ? d : (JsonElement?)null;
        if (e.Type == FeedEventTypes.OverlapsReleased && data is { } released)
            return await Release(e, partnerName, released, ct);
        if (e.Type.StartsWith("partnership.", StringComparison.Ordinal) && data is { } change)
            return new FeedLine(e, partnerName, Partnership(e, partnerName, change), null, null);
        if (data is { } details && RoomOrDeal(e, e.Partner == me ? "You" : partnerName ?? e.Partner ?? "Someone", details) is { } summary)
            return new FeedLine(e, partnerName, summary, null, null);
        return new FeedLine(e, partnerName, data is null ? e.Type : Compact(data.Value), null, null);
    }

    /// <summary>Rooms and deals: who did what, in a few words (the room's details: 'cosell rooms').</summary>
    private static string? RoomOrDeal(FeedEvent e, string actor, JsonElement data)
    {
        var room = e.Room is null ? "" : $" (room {e.Room})";
        JsonElement Obj(string name) => data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : default;
        string? In(JsonElement o, string name) => o.ValueKind == JsonValueKind.Object ? Text(o, name) : null;
        var action = Text(data, "action");
        switch (e.Type)
        {
            case FeedEventTypes.RoomInvited:
                var invitation = Obj("room");
                var account = invitation.ValueKind == JsonValueKind.Object && invitation.TryGetProperty("account", out var a) ? In(a, "name") : null;
                return $"{In(invitation, "invitedByName") ?? actor} invited you to '{In(invitation, "title")}'{(account is null ? "" : $" on {account}")} as {In(invitation, "role")}{room}";
            case FeedEventTypes.RoomMessage:
                return $"{actor}: {Shorten(In(Obj("message"), "text") ?? "", 160)}{room}";
            case FeedEventTypes.RoomMemberChanged:
                var member = Obj("member");
                return $"{actor}: {action ?? "changed"}, {In(member, "partnerName") ?? "a member"} as {In(member, "role")}{room}";
            case FeedEventTypes.RoomTaskChanged:
                var task = Obj("task");
                return $"{actor} {action ?? "changed"} task '{In(task, "title")}' ({In(task, "status")}){room}";
            case FeedEventTypes.RoomOpportunityChanged:
                var opportunity = Obj("opportunity");
                var amount = opportunity.ValueKind == JsonValueKind.Object && opportunity.TryGetProperty("amount", out var m) && m.ValueKind == JsonValueKind.Number
                    ? $", {m.GetDecimal().ToString(CultureInfo.InvariantCulture)} {In(opportunity, "currency")}" : "";
                return $"{actor} updated the opportunity: {In(opportunity, "stage")}{amount}{room}";
            case FeedEventTypes.RoomTouch:
                return $"{actor} {action ?? "changed"} a touch: {In(Obj("touch"), "kind")}{room}";
            case FeedEventTypes.DealRegistered:
            case FeedEventTypes.DealDecided:
            case FeedEventTypes.DealProtectionEnded:
                var registration = Obj("registration");
                var on = registration.ValueKind == JsonValueKind.Object && registration.TryGetProperty("account", out var acc) ? In(acc, "name") : null;
                var reason = In(registration, "reason");
                return $"Deal registration by {In(registration, "partnerName")} with {In(registration, "vendorName")}{(on is null ? "" : $" on {on}")}: {In(registration, "status")}" +
                       (reason is null ? "" : $" ({Shorten(reason, 120)})") + room;
            default:
                return null;
        }
    }

    private static string Shorten(string text, int max) => text.Length > max ? text[..(max - 1)] + "…" : text;

    private string Partnership(FeedEvent e, string? partnerName, JsonElement data)
    {
        var action = Text(data, "action") ?? e.Type["partnership.".Length..];
        var by = Text(data, "by");
        var actor = by == me ? "You" : by is null ? "Someone" : by == e.Partner ? partnerName ?? by : by;
        var detail = Text(data, "detail");
        return action switch
        {
            "proposed" => $"{actor} proposed a partnership",
            "accepted" => $"{actor} accepted the partnership",
            "declined" => $"{actor} declined the partnership",
            "paused" => $"{actor} paused the partnership",
            "resumed" => $"{actor} resumed the partnership" + (Text(data, "status") is "paused" ? " (still paused by the other side)" : ""),
            "ended" => $"{actor} ended the partnership",
            "rotated" => $"{actor} rotated the partnership's keys: epoch {Number(data, "epoch")}; both sides sync again",
            "rules-changed" => $"{actor} changed what {(by == me ? "you share" : "they share")}",
            "motions-changed" => $"{actor} changed motions: {(string.IsNullOrEmpty(detail) ? "none" : detail.Replace(",", ", ", StringComparison.Ordinal))}",
            _ => $"{actor}: {action}" + (detail is null ? "" : $" ({detail})"),
        };
    }

    private async Task<FeedLine> Release(FeedEvent e, string? partnerName, JsonElement data, CancellationToken ct)
    {
        var epoch = (int)Number(data, "epoch");
        var version = Number(data, "releaseVersion");
        var foundCount = Number(data, "foundCount");
        var goneCount = Number(data, "goneCount");
        var foundIds = Ids(data, "found");
        var goneIds = Ids(data, "gone");
        var head = $"Release {version} (epoch {epoch}) with {partnerName ?? e.Partner}";
        if (foundIds.Count == 0 && goneIds.Count == 0)
            return new FeedLine(e, partnerName,
                foundCount + goneCount == 0 ? $"{head}: no change in overlaps you can see" : $"{head}: {foundCount:N0} found, {goneCount:N0} gone", null, null);

        var found = await Resolve(e.Partner, epoch, foundIds, ct);
        var gone = await Resolve(e.Partner, epoch, goneIds, ct);
        if (found is null || gone is null)
            return new FeedLine(e, partnerName, $"{head}: {foundCount:N0} found, {goneCount:N0} gone (not named: no local index of this profile's accounts here)", null, null);

        var parts = new List<string>();
        if (foundCount > 0) parts.Add($"found {Names(found, foundIds.Count, foundCount)}");
        if (goneCount > 0) parts.Add($"gone {Names(gone, goneIds.Count, goneCount)}");
        return new FeedLine(e, partnerName, $"{head}: {string.Join("; ", parts)}", found, gone);
    }

    /// <summary>"Acme, Globex and 3 more"; records no longer in my list count as unknown.</summary>
    private static string Names(IReadOnlyList<FeedAccount> accounts, int listed, long total)
    {
        var names = accounts.Select(a => a.Account).Distinct(StringComparer.Ordinal).ToList();
        var shown = names.Take(NamesInSummary).ToList();
        var more = total - shown.Count;
        var unknown = listed - accounts.Count;
        var text = shown.Count == 0 ? $"{total:N0} record{(total == 1 ? "" : "s")}" : string.Join(", ", shown);
        if (shown.Count > 0 && more > 0) text += $" and {more:N0} more";
        if (unknown > 0) text += $" ({unknown:N0} not in my current list; run 'cosell sync')";
        return text;
    }

    /// <summary>My accounts behind record ids; null when this profile has no local index (or no such partnership any more).</summary>
    private async Task<IReadOnlyList<FeedAccount>?> Resolve(string? counterpart, int epoch, IReadOnlyList<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        if (index is null)
        {
            if (!_warnedNoIndex) error.WriteLine("note: this profile has no local account index here, so released records are not named. Run 'cosell sync' on the machine that holds it.");
            _warnedNoIndex = true;
            return null;
        }
        if (counterpart is null || await PartnershipId(counterpart, ct) is not { } partnership) return null;
        var list = new List<FeedAccount>();
        foreach (var id in ids)
        {
            byte[] bytes;
            try { bytes = Convert.FromHexString(id); }
            catch (FormatException) { continue; }
            if (index.Record(partnership, epoch, bytes) is not { } record) continue;
            var account = index.Account(record.Population, record.MatchKey);
            var key = account?.Key.Value ?? record.MatchKey;
            list.Add(new FeedAccount(id, account?.Name ?? key, key, record.Population));
        }
        return list;
    }

    private async Task<string?> PartnershipId(string counterpart, CancellationToken ct)
    {
        if (_partnerships.TryGetValue(counterpart, out var known)) return known;
        string? id;
        try { id = (await client.GetPartnershipAsync(counterpart, ct)).Id; }
        catch (CoSellNetApiException e) when (e.Status == 404) { id = null; }
        return _partnerships[counterpart] = id;
    }

    private async Task<string?> Name(string partnerId, CancellationToken ct)
    {
        if (_names.TryGetValue(partnerId, out var known)) return known;
        string? name;
        try { name = (await client.GetDirectoryEntryAsync(partnerId, ct)).Name; }
        catch (CoSellNetApiException e) when (e.Status is 404 or 403) { name = null; }
        return _names[partnerId] = name;
    }

    private static string? Text(JsonElement data, string name) =>
        data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Number(JsonElement data, string name) =>
        data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : 0;

    private static List<string> Ids(JsonElement data, string name) =>
        data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
            : [];

    private static string Compact(JsonElement data)
    {
        var text = data.GetRawText();
        return text.Length > 200 ? text[..199] + "…" : text;
    }

    public static string Sequence(long sequence) => "#" + sequence.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => index?.Dispose();
}
