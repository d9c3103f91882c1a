using System.Text.Json;
using FfmpegApi.Core.Audit;
using FfmpegApi.Core.Auth;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Errors;
using FfmpegApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Admin;

/// <summary>
/// <c>/api/v1/admin/keys</c> (admin keys only): create (the secret is in this answer only), list, show, rotate with
/// an overlap, revoke. Answers never contain a secret or a hash.
/// </summary>
public static class AdminKeysEndpoints
{
    public static RouteGroupBuilder MapAdminKeys(this RouteGroupBuilder admin)
    {
        var keys = admin.MapGroup("/keys");
        keys.MapPost("/", CreateAsync).WithName("CreateKey").WithSummary("Create an API key; the secret is shown in this answer only")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        keys.MapGet("/", ListAsync).WithName("ListKeys").WithSummary("List API keys (never their secrets)");
        keys.MapGet("/{id}", GetAsync).WithName("GetKey").WithSummary("One API key").ProducesProblem(StatusCodes.Status404NotFound);
        keys.MapPost("/{id}/rotate", RotateAsync).WithName("RotateKey")
            .WithSummary("Issue a replacement key; the old one keeps working for the overlap, then expires")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        keys.MapDelete("/{id}", RevokeAsync).WithName("RevokeKey").WithSummary("Revoke a key at once").ProducesProblem(StatusCodes.Status404NotFound);
        return admin;
    }

    internal static async Task<Results<Created<KeyCreatedResponse>, ProblemHttpResult>> CreateAsync(HttpContext context, ApiKeyService keys, TimeProvider clock, CancellationToken cancellationToken)
    {
        using var document = await JsonDocument.ParseAsync(context.Request.Body, default, cancellationToken);
        var errors = new ValidationErrors();
        var fields = new JsonFields(errors);
        var body = document.RootElement;
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", "The request body must be a JSON object.", InvalidRequest);
            return ApiProblem.Invalid(context, errors);
        }

        fields.RejectUnknown(body, string.Empty, InvalidRequest, "name", "tenant", "admin", "scopes", "expires_in_days", "allowed_networks", "requests_per_second", "requests_per_hour");
        var name = fields.String(body, "name", string.Empty, InvalidRequest)?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            errors.Add("name", "Required: a label of 1 to 200 characters.", InvalidRequest);
        }

        var tenant = fields.String(body, "tenant", string.Empty, InvalidRequest)?.Trim();
        if (tenant is not null && (tenant.Length is 0 or > 64 || !tenant.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            errors.Add("tenant", "1 to 64 letters, digits, '-', '_' or '.'.", InvalidRequest, tenant);
        }

        var admin = body.TryGetProperty("admin", out var a) && a.ValueKind == JsonValueKind.True;
        var scopes = MapScopes(body, admin, fields);
        var days = fields.Int(body, "expires_in_days", string.Empty, InvalidRequest, 1, 3650);
        var networks = MapNetworks(body, fields);
        var perSecond = fields.Int(body, "requests_per_second", string.Empty, InvalidRequest, 0, 1_000_000);
        var perHour = fields.Int(body, "requests_per_hour", string.Empty, InvalidRequest, 0, 100_000_000);
        if (errors.Any)
        {
            return ApiProblem.Invalid(context, errors);
        }

        var expires = days is { } d ? clock.GetUtcNow().UtcDateTime.AddDays(d) : (DateTime?)null;
        var created = await keys.CreateAsync(
            new KeyRequest(name!, admin, tenant, scopes, expires) { AllowedNetworks = networks, RequestsPerSecond = perSecond, RequestsPerHour = perHour },
            cancellationToken);
        var view = KeyView.From(created.Key);
        await context.AuditAsync(AuditActions.KeyCreate, view.Id, view.Tenant, $"name={view.Name} scopes={string.Join(',', view.Scopes)}");
        return TypedResults.Created($"/api/v1/admin/keys/{view.Id}", new KeyCreatedResponse(view, created.Plaintext, null));
    }

    internal static async Task<KeyListResponse> ListAsync(ApiKeyService keys, string? tenant, CancellationToken cancellationToken) =>
        new([.. (await keys.ListAsync(tenant, cancellationToken)).Select(KeyView.From)]);

    internal static async Task<Results<Ok<KeyView>, ProblemHttpResult>> GetAsync(string id, HttpContext context, ApiKeyService keys, CancellationToken cancellationToken) =>
        await keys.FindAsync(id, cancellationToken) is { } key ? TypedResults.Ok(KeyView.From(key)) : NotFound(context);

    internal static async Task<Results<Created<KeyCreatedResponse>, ProblemHttpResult>> RotateAsync(
        string id, HttpContext context, ApiKeyService keys, IOptions<KeyOptions> options, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "overlap_seconds")] int? overlapSeconds, CancellationToken cancellationToken)
    {
        if (overlapSeconds is < 0 or > 30 * 24 * 3600)
        {
            return ApiProblem.Create(context, 422, InvalidRequest, "overlap_seconds: between 0 and 2592000 (30 days).", new Dictionary<string, string[]> { ["overlap_seconds"] = ["Between 0 and 2592000."] });
        }

        if (await keys.FindAsync(id, cancellationToken) is null)
        {
            return NotFound(context);
        }

        var rotated = await keys.RotateAsync(id, TimeSpan.FromSeconds(overlapSeconds ?? options.Value.RotationOverlapSeconds), cancellationToken);
        if (rotated is not { } r)
        {
            return ApiProblem.Create(context, 409, InvalidRequest, "A revoked or expired key cannot be rotated; create a new one.");
        }

        var view = KeyView.From(r.Replacement.Key);
        await context.AuditAsync(AuditActions.KeyRotate, id, view.Tenant, $"replaced by {view.Id}; old key valid until {r.Previous.ExpiresAt:O}");
        return TypedResults.Created($"/api/v1/admin/keys/{view.Id}", new KeyCreatedResponse(view, r.Replacement.Plaintext, KeyView.From(r.Previous)));
    }

    internal static async Task<Results<Ok<KeyView>, ProblemHttpResult>> RevokeAsync(string id, HttpContext context, ApiKeyService keys, CancellationToken cancellationToken)
    {
        if (await keys.RevokeAsync(id, cancellationToken) is not { } key)
        {
            return NotFound(context);
        }

        await context.AuditAsync(AuditActions.KeyRevoke, id, key.TenantId);
        return TypedResults.Ok(KeyView.From(key));
    }

    /// <summary><c>allowed_networks</c>: CIDRs (or single addresses), each parsed; 422 names the bad entry.</summary>
    private static List<string>? MapNetworks(JsonElement body, JsonFields fields)
    {
        if (!body.TryGetProperty("allowed_networks", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() is 0 or > 50)
        {
            fields.Errors.Add("allowed_networks", "An array of 1 to 50 CIDRs or addresses, e.g. [\"10.0.0.0/8\", \"2001:db8::/32\"].", InvalidRequest);
            return null;
        }

        var result = new List<string>();
        var i = 0;
        foreach (var entry in list.EnumerateArray())
        {
            var text = entry.ValueKind == JsonValueKind.String ? entry.GetString()! : entry.GetRawText();
            if (IpAllowlist.TryParse(text, out var network))
            {
                result.Add(network.ToString());
            }
            else
            {
                fields.Errors.Add($"allowed_networks[{i}]", IpAllowlist.NotANetwork(text), InvalidRequest, text);
            }

            i++;
        }

        return result;
    }

    private static List<string>? MapScopes(JsonElement body, bool admin, JsonFields fields)
    {
        if (!body.TryGetProperty("scopes", out var scopes) || scopes.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var allowed = ApiScopes.Grantable.ToArray();
        if (scopes.ValueKind != JsonValueKind.Array || scopes.GetArrayLength() == 0)
        {
            fields.Errors.Add("scopes", $"A non-empty array of: {string.Join(", ", allowed)} (use \"admin\": true for an admin key).", InvalidRequest);
            return null;
        }

        var result = new List<string>();
        foreach (var scope in scopes.EnumerateArray())
        {
            var text = scope.ValueKind == JsonValueKind.String ? scope.GetString()! : scope.GetRawText();
            if (Array.IndexOf(allowed, text) < 0)
            {
                fields.Errors.Add("scopes", $"Unknown scope '{text}'. Grantable: {string.Join(", ", allowed)} (use \"admin\": true for an admin key).", InvalidRequest, text, allowed);
                return null;
            }

            if (!result.Contains(text))
            {
                result.Add(text);
            }
        }

        if (admin)
        {
            fields.Errors.Add("scopes", "An admin key has every scope; leave 'scopes' out.", InvalidRequest);
        }

        return result;
    }

    private static ProblemHttpResult NotFound(HttpContext context) => ApiProblem.Create(context, 404, ErrorCodes.NotFound, "API key not found");
}

/// <summary>A key as admins see it: never the secret or its hash; the prefix identifies it in logs and lists.</summary>
public sealed record KeyView(
    string Id,
    string Name,
    string Tenant,
    string Prefix,
    IReadOnlyList<string> Scopes,
    bool Admin,
    DateTime CreatedAt,
    DateTime? ExpiresAt,
    DateTime? RevokedAt,
    DateTime? LastUsedAt,
    string? LastUsedIp,
    string? ReplacedBy)
{
    /// <summary>CIDRs the key may be used from; empty: any address the server accepts.</summary>
    public IReadOnlyList<string> AllowedNetworks { get; init; } = [];

    /// <summary>The key's own rate limits (null: the server's <c>Limits:*</c>; 0: none).</summary>
    public int? RequestsPerSecond { get; init; }

    public int? RequestsPerHour { get; init; }

    public static KeyView From(ApiKey key) => new(
        key.Id, key.Name, key.TenantId, $"fa_{key.Prefix}_", key.ScopeList, key.IsAdmin, key.CreatedAt, key.ExpiresAt, key.RevokedAt, key.LastUsedAt, key.LastUsedIp, key.ReplacedById)
    {
        AllowedNetworks = key.NetworkList,
        RequestsPerSecond = key.RequestsPerSecond,
        RequestsPerHour = key.RequestsPerHour,
    };
}

public sealed record KeyCreatedResponse(KeyView Key, string Secret, KeyView? Previous);

public sealed record KeyListResponse(IReadOnlyList<KeyView> Keys);
