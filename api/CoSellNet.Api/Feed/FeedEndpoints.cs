using System.Security.Claims;
using CoSellNet.Api.Auth;
using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Feed;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CoSellNet.Api.Feed;

/// <summary>GET /feed: my events after a sequence number, for clients that poll (the hub serves the same, live).</summary>
public static class FeedEndpoints
{
    public static RouteGroupBuilder MapFeed(this RouteGroupBuilder api)
    {
        api.MapGet("/feed", async Task<Ok<FeedPage>> (ClaimsPrincipal user, FeedStore store, long? after, int? limit, string[]? type, CancellationToken ct) =>
        {
            var v = new Validator();
            v.Require(after is null or >= 0, "after", "must be 0 or more: the last sequence number you handled (0 for the beginning).");
            v.Require(limit is null or (>= 1 and <= FeedStore.MaxPage), "limit", $"must be 1 to {FeedStore.MaxPage}.");
            v.ThrowIfInvalid();
            return TypedResults.Ok(await store.Read(user.PrincipalId(), after ?? 0, limit ?? 100, type, ct));
        })
        .WithTags("Feed")
        .RequireAuthorization(Claims.Policies.Read)
        .WithSummary("My feed after a sequence number, in order")
        .WithDescription("?after=N returns events N+1, N+2, … (at most limit, default 100, up to 1,000); ?type= (repeatable) keeps only those types. The same events arrive live on the hub at /hubs/feed.");
        return api;
    }
}
