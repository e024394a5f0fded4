using System.Net;
using System.Text.Json;
using CoSellNet.Protocol;

namespace CoSellNet.Client.Tests.Support;

/// <summary>
/// A stub node's feed: answers <c>GET /api/v1/feed?after&amp;limit&amp;type</c> from a list like the node
/// does, and the few other reads the feed commands make (me, directory names, partnerships).
/// </summary>
public sealed class FeedStub
{
    public List<FeedEvent> Events { get; } = [];

    public int FeedReads { get; private set; }

    public static FeedEvent Event(long sequence, string type, string? partner = Samples.ThemId, object? data = null) =>
        new(sequence, type, Samples.Joined.AddMinutes(sequence), partner, null,
            data is null ? null : JsonSerializer.SerializeToElement(data, ReflectionJson.Options));

    public FeedStub Add(string type, string? partner = Samples.ThemId, object? data = null)
    {
        Events.Add(Event(Events.Count + 1, type, partner, data));
        return this;
    }

    /// <summary>n events of partnership.rules-changed, numbered 1..n.</summary>
    public FeedStub Many(int n)
    {
        for (var i = 0; i < n; i++) Add(FeedEventTypes.PartnershipRulesChanged, data: new { action = "rules-changed", by = Samples.ThemId });
        return this;
    }

    public StubNode Node() => new StubNode().Answer(Answer);

    public HttpResponseMessage Answer(HttpRequestMessage request)
    {
        var path = request.RequestUri!.AbsolutePath;
        var query = System.Web.HttpUtility.ParseQueryString(request.RequestUri.Query);
        object body;
        if (path == Routes.Feed)
        {
            FeedReads++;
            var after = long.Parse(query["after"] ?? "0");
            var limit = int.Parse(query["limit"] ?? "100");
            var types = query.GetValues("type");
            var items = Events.Where(e => e.Sequence > after && (types is null || types.Contains(e.Type))).Take(limit + 1).ToList();
            var more = items.Count > limit;
            if (more) items.RemoveAt(items.Count - 1);
            body = new FeedPage(items, items.Count > 0 ? items[^1].Sequence : after, more);
        }
        else if (path == Routes.Me) body = Samples.Profile();
        else if (path == Routes.DirectoryEntry(Samples.ThemId)) body = Samples.Entry(Samples.ThemId, "Beta Services", PartnerType.Service);
        else if (path == Routes.Partnership(Samples.ThemId)) body = Samples.Partnership();
        else
            return StubNode.Response(HttpStatusCode.NotFound,
                """{"type":"about:blank","title":"Not found","status":404,"detail":"Not in the stub."}""", "application/problem+json");
        return StubNode.Response(HttpStatusCode.OK, JsonSerializer.Serialize(body, ReflectionJson.Options), "application/json");
    }
}
