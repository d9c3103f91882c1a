using System.Security.Claims;
using System.Text.Encodings.Web;
using FfmpegApi.Core.Audit;
using FfmpegApi.Core.Auth;
using FfmpegApi.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Security;

/// <summary>
/// Authenticates <c>X-API-Key: …</c> or <c>Authorization: Bearer …</c> against hashed keys. Failures answer
/// 401 problem+json ("API key required" / "Invalid API key"); the key itself is never logged.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyService keys,
    IpAllowlist network) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string TenantClaim = "tenant";
    public const string KeyIdClaim = "key_id";
    public const string AdminRole = "admin";
    public const string ScopeClaim = "scope";
    public const string PerSecondClaim = "rate_per_second";
    public const string PerHourClaim = "rate_per_hour";
    private const string FailureItem = "auth_failure";
    private const string NetworkItem = "auth_network";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Presented(Request);
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        var client = network.ClientAddress(Context);
        var key = await keys.ValidateAsync(presented, client?.ToString(), Context.RequestAborted);
        if (key is null)
        {
            Context.Items[FailureItem] = true;
            await Context.AuditFailureAsync(ApiKeyService.TryParseKey(presented, out var prefix, out _) ? prefix : null, TimeProvider);
            return AuthenticateResult.Fail("Invalid API key");
        }

        // A key bound to networks works only from them (a leaked key is useless elsewhere); parsed addresses, not strings.
        if (key.NetworkList.Count > 0 && (client is null || !IpAllowlist.AnyContains(key.NetworkList, client)))
        {
            Context.Items[NetworkItem] = true;
            await Context.AuditFailureAsync(key.Prefix, TimeProvider, "key used from outside its allowed networks");
            return AuthenticateResult.Fail("This API key may not be used from your network address.");
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, key.Id),
            new(ClaimTypes.Name, key.Name),
            new(KeyIdClaim, key.Id),
            new(TenantClaim, key.TenantId),
        };
        if (key.IsAdmin)
        {
            claims.Add(new Claim(ClaimTypes.Role, AdminRole));
        }

        claims.AddRange(key.ScopeList.Select(scope => new Claim(ScopeClaim, scope)));
        if (key.RequestsPerSecond is { } perSecond)
        {
            claims.Add(new Claim(PerSecondClaim, perSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (key.RequestsPerHour is { } perHour)
        {
            claims.Add(new Claim(PerHourClaim, perHour.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items.ContainsKey(NetworkItem))
        {
            Response.StatusCode = 403;
            await TypedResults.Problem(ApiProblem.Build(Context, 403, ErrorCodes.AccessDenied, "This API key may not be used from your network address.")).ExecuteAsync(Context);
            return;
        }

        var invalid = Context.Items.ContainsKey(FailureItem);
        Response.StatusCode = 401;
        Response.Headers.WWWAuthenticate = "Bearer, ApiKey";
        var problem = ApiProblem.Build(Context, 401, ErrorCodes.Unauthorized, invalid ? "Invalid API key" : "API key required");
        await TypedResults.Problem(problem).ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        await Context.AuditAsync(AuditActions.AccessDenied, $"{Request.Method} {Request.Path}", detail: "the key lacks the scope this endpoint needs");
        Response.StatusCode = 403;
        var problem = ApiProblem.Build(Context, 403, ErrorCodes.AccessDenied, "This API key may not do that.");
        await TypedResults.Problem(problem).ExecuteAsync(Context);
    }

    private static string? Presented(HttpRequest request)
    {
        var header = request.Headers["X-API-Key"].ToString();
        if (!string.IsNullOrWhiteSpace(header))
        {
            return header;
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }
}

/// <summary>Who is calling: the key's tenant, and whether it is an admin (sees every tenant).</summary>
public sealed record Caller(string KeyId, string TenantId, bool IsAdmin)
{
    public static Caller From(ClaimsPrincipal user) => new(
        user.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim) ?? throw new InvalidOperationException("Not authenticated."),
        user.FindFirstValue(ApiKeyAuthenticationHandler.TenantClaim) ?? throw new InvalidOperationException("Not authenticated."),
        user.IsInRole(ApiKeyAuthenticationHandler.AdminRole));
}

/// <summary>Authorization policies named after the scopes they require.</summary>
public static class ScopePolicies
{
    public static void Add(Microsoft.AspNetCore.Authorization.AuthorizationOptions options)
    {
        foreach (var scope in ApiScopes.All)
        {
            options.AddPolicy(scope, policy => policy.RequireAuthenticatedUser().RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, scope));
        }
    }
}
