using CoSellNet.Api.Auth;
using CoSellNet.Protocol;
using CoSellNet.Silo.Feed;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace CoSellNet.Api.Feed;

/// <summary>
/// My feed, live. A connection joins its partner's group; every node pushes the events that
/// reach it to its own connections (<see cref="FeedRelay"/>). After connecting or reconnecting, a
/// client asks <see cref="Since"/> for what it missed, and drops pushes it has already seen.
/// Partners only (the read policy excludes the operator, which has no feed).
/// </summary>
[Authorize(Policy = Claims.Policies.Read)]
public sealed class FeedHub(FeedStore store) : Hub
{
    public static string Group(string partner) => "feed:" + partner;

    public override async Task OnConnectedAsync()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(Context.User!.PrincipalId()));
        await base.OnConnectedAsync();
    }

    /// <summary>My events after <paramref name="after"/>, in order (at most <paramref name="limit"/>, up to 1,000).</summary>
    public Task<FeedPage> Since(long after, int limit = 500) =>
        after < 0 ? throw new HubException("after must be 0 or more.") : store.Read(Context.User!.PrincipalId(), after, limit, null, Context.ConnectionAborted);
}
