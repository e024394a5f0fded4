using System.Security.Claims;
using System.Text.Encodings.Web;
using CoSellNet.Protocol;
using CoSellNet.Silo.Keys;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CoSellNet.Api.Auth;

/// <summary>
/// Bearer API keys. The token names its principal and key id, so checking it is one call to that
/// principal's key ring grain with the SHA-256 of the secret; the secret itself never leaves this
/// handler. WebSocket clients, which cannot set headers, pass the key as <c>access_token</c> on hub paths.
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IGrainFactory grains) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    private const string FailureKey = "cosellnet.auth-failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ReadToken();
        if (token is null) return AuthenticateResult.NoResult();
        if (!ApiKeyToken.TryParse(token, ApiKeyToken.KeyPrefix, out var parsed))
            return Fail("The API key is malformed. Keys look like csn_<principal>_<id>_<secret>; copy the whole key.");
        var scopes = await grains.GetGrain<IKeyRingGrain>(parsed.Principal).Authenticate(parsed.Id, parsed.SecretHash());
        if (scopes is null)
            return Fail("The API key is not valid: it is wrong or was revoked. Create a new key, or ask your admin for one.");

        var claims = new List<Claim>
        {
            new(Claims.Principal, parsed.Principal),
            new(Claims.KeyId, parsed.Id),
            new(Claims.Kind, parsed.Principal == ApiKeyToken.Operator ? Claims.Operator : Claims.Partner),
        };
        claims.AddRange(scopes.Select(s => new Claim(Claims.Scope, s.ToString().ToLowerInvariant())));
        var identity = new ClaimsIdentity(claims, SchemeName, Claims.Principal, null);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var detail = Context.Items[FailureKey] as string
                     ?? "This endpoint needs an API key: send it as 'Authorization: Bearer <key>'.";
        Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.Write(Context, StatusCodes.Status401Unauthorized, "Missing or invalid API key", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, StatusCodes.Status403Forbidden, "Not allowed",
            Context.User.IsOperator()
                ? "The operator key manages the network (partners, invitations, operator keys); act as a partner with that partner's key."
                : "Your API key lacks the scope this action needs (read < write < admin), or this action is for the network operator. Use a key with the right scope.");

    private string? ReadToken()
    {
        string? header = Request.Headers.Authorization;
        if (header is not null)
            return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : header;
        if (Request.Path.StartsWithSegments("/hubs") && Request.Query["access_token"] is [{ } queryToken])
            return queryToken;
        return null;
    }

    private AuthenticateResult Fail(string why)
    {
        Context.Items[FailureKey] = why;
        return AuthenticateResult.Fail(why);
    }
}
