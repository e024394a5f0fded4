using System.Security.Claims;
using CoSellNet.Protocol;
using Microsoft.AspNetCore.Authorization;

namespace CoSellNet.Api.Auth;

/// <summary>Claim names, policies and accessors for authenticated callers.</summary>
public static class Claims
{
    public const string Principal = "cosellnet:principal";
    public const string KeyId = "cosellnet:key";
    public const string Kind = "cosellnet:kind";
    public const string Scope = "cosellnet:scope";
    public const string Operator = "operator";
    public const string Partner = "partner";

    /// <summary>Policy names. Scopes are ordered: admin includes write, write includes read.</summary>
    public static class Policies
    {
        public const string Read = "partner:read";
        public const string Write = "partner:write";
        public const string Admin = "partner:admin";
        public const string OperatorOnly = "operator";
        /// <summary>A partner's admin key or the operator key: managing keys and invitations.</summary>
        public const string AdminOrOperator = "admin-or-operator";
        /// <summary>Any partner key, or the operator: reading the public directory.</summary>
        public const string Member = "member";
    }

    public static string PrincipalId(this ClaimsPrincipal user) =>
        user.FindFirstValue(Principal) ?? throw new InvalidOperationException("The caller is not authenticated.");

    public static bool IsOperator(this ClaimsPrincipal user) => user.FindFirstValue(Kind) == Operator;

    public static bool Has(this ClaimsPrincipal user, ApiKeyScope scope) =>
        user.FindAll(Scope).Select(c => Enum.Parse<ApiKeyScope>(c.Value, ignoreCase: true)).Any(s => s >= scope);

    public static AuthorizationBuilder AddCoSellNetPolicies(this AuthorizationBuilder auth) => auth
        .AddPolicy(Policies.Read, p => p.RequireAssertion(c => IsPartnerWith(c.User, ApiKeyScope.Read)))
        .AddPolicy(Policies.Write, p => p.RequireAssertion(c => IsPartnerWith(c.User, ApiKeyScope.Write)))
        .AddPolicy(Policies.Admin, p => p.RequireAssertion(c => IsPartnerWith(c.User, ApiKeyScope.Admin)))
        .AddPolicy(Policies.OperatorOnly, p => p.RequireAssertion(c => c.User.IsOperator()))
        .AddPolicy(Policies.AdminOrOperator, p => p.RequireAssertion(c => c.User.IsOperator() || IsPartnerWith(c.User, ApiKeyScope.Admin)))
        .AddPolicy(Policies.Member, p => p.RequireAssertion(c => c.User.IsOperator() || IsPartnerWith(c.User, ApiKeyScope.Read)));

    private static bool IsPartnerWith(ClaimsPrincipal user, ApiKeyScope scope) =>
        user.FindFirstValue(Kind) == Partner && user.Has(scope);
}
