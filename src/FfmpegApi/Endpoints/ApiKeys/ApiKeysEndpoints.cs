using System.Security.Claims;
using FfmpegApi.Core.Audit;
using FfmpegApi.Core.Auth;
using FfmpegApi.Core.Data;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Errors;
using FfmpegApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.ApiKeys;

/// <summary>
/// <c>/api/v1/api-keys</c>, the original API's key routes over the same keys as <c>/admin/keys</c>. An admin key sees and
/// manages every key; any other key the keys of its own tenant (the original's "own keys", <c>user_id</c> = tenant),
/// creating keys with at most its own scopes and limits. Changing a key's limits takes an admin key. Another tenant's
/// key is a 404, as for jobs.
/// </summary>
public static class ApiKeysEndpoints
{
    public static RouteGroupBuilder MapApiKeys(this RouteGroupBuilder api)
    {
        var keys = api.MapGroup("/api-keys").WithTags("API keys");
        keys.MapPost("/", CreateAsync).WithName("CreateApiKey").WithSummary("Create an API key (the original API's body); the secret is in this answer only")
            .Accepts<CreateApiKeyBody>("application/json").ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status403Forbidden);
        keys.MapGet("/", ListAsync).WithName("ListApiKeys").WithSummary("List API keys, a page at a time (never their secrets)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        keys.MapGet("/{id}", GetAsync).WithName("GetApiKey").WithSummary("One API key").ProducesProblem(StatusCodes.Status404NotFound);
        keys.MapPatch("/{id}", UpdateAsync).WithName("UpdateApiKey").WithSummary("Change a key's name, description, limits or whether it is active")
            .Accepts<UpdateApiKeyBody>("application/json").ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        keys.MapPost("/{id}/revoke", RevokeAsync).WithName("RevokeApiKey").WithSummary("Revoke a key for good")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        keys.MapPost("/{id}/extend", ExtendAsync).WithName("ExtendApiKey").WithSummary("Move a key's expiry later by additional_days")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        keys.MapGet("/{id}/usage", UsageAsync).WithName("GetApiKeyUsage").WithSummary("Jobs, processing minutes and bytes of a key: this month, the previous one, the last days")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        return api;
    }

    internal static async Task<Results<Created<CreatedApiKeyResponse>, ProblemHttpResult>> CreateAsync(
        HttpContext context, ApiKeyService keys, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (body, errors) = await TypedBody.ReadAsync<CreateApiKeyBody>(context, cancellationToken);
        if (body is null)
        {
            return ApiProblem.Invalid(context, errors);
        }

        var caller = Caller.From(context.User);
        var concurrent = body.MaxConcurrentJobs ?? CreateApiKeyBody.DefaultConcurrentJobs;
        var minutes = body.MonthlyLimitMinutes ?? CreateApiKeyBody.DefaultMonthlyMinutes;
        IReadOnlyList<string>? scopes = null;
        var parent = caller.IsAdmin ? null : await keys.FindAsync(caller.KeyId, cancellationToken);
        if (!caller.IsAdmin)
        {
            if (body.UserId is { } user && user != caller.TenantId)
            {
                return Forbidden(context, "user_id", "A key can create keys for its own tenant only (user_id); an admin key can create them for any.");
            }

            if (parent?.MaxConcurrentJobs is { } ownConcurrent && concurrent > ownConcurrent)
            {
                return body.MaxConcurrentJobs is null ? Forbidden(context, "max_concurrent_jobs", $"Your key allows {ownConcurrent} concurrent jobs; a key it creates can allow no more (set max_concurrent_jobs).")
                    : Forbidden(context, "max_concurrent_jobs", $"At most {ownConcurrent}: your own key's limit.");
            }

            if (parent?.MonthlyLimitMinutes is { } ownMinutes && minutes > ownMinutes)
            {
                return Forbidden(context, "monthly_limit_minutes", $"At most {ownMinutes}: your own key's limit (set monthly_limit_minutes).");
            }

            scopes = [.. context.User.FindAll(ApiKeyAuthenticationHandler.ScopeClaim).Select(c => c.Value).Where(ApiScopes.Grantable.Contains)];
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var expires = body.ExpiresInDays is { } d ? now.AddDays(d) : (DateTime?)null;
        if (parent?.ExpiresAt is { } parentExpiry && (expires is null || expires > parentExpiry))
        {
            // A key cannot outlive the key that made it.
            expires = parentExpiry;
        }

        var created = await keys.CreateAsync(
            new KeyRequest(body.Name!.Trim(), false, caller.IsAdmin ? body.UserId : caller.TenantId, scopes, expires)
            {
                // A key made by another key keeps its networks and request rates: it cannot widen them.
                AllowedNetworks = parent?.NetworkList,
                RequestsPerSecond = parent?.RequestsPerSecond,
                RequestsPerHour = parent?.RequestsPerHour,
                Description = body.Description,
                UserId = body.UserId,
                Organization = body.Organization,
                CreatedBy = caller.KeyId,
                MaxConcurrentJobs = concurrent,
                MonthlyLimitMinutes = minutes,
            },
            cancellationToken);
        var key = created.Key;
        await context.AuditAsync(AuditActions.KeyCreate, key.Id, key.TenantId, $"name={key.Name} via /api-keys");
        return TypedResults.Created(
            $"/api/v1/api-keys/{key.Id}",
            new CreatedApiKeyResponse(key.Id, key.Name, created.Plaintext, $"fa_{key.Prefix}_", key.ExpiresAt, key.MaxConcurrentJobs, key.MonthlyLimitMinutes, key.CreatedAt));
    }

    internal static async Task<Results<Ok<ApiKeyListResponse>, ProblemHttpResult>> ListAsync(
        HttpContext context,
        AppDbContext db,
        TimeProvider clock,
        [FromQuery] int? page,
        [FromQuery(Name = "page_size")] int? pageSize,
        [FromQuery] string? search,
        [FromQuery(Name = "active_only")] bool? activeOnly,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        ApiKeyRules.Range(errors, "page", page, 1, int.MaxValue);
        ApiKeyRules.Range(errors, "page_size", pageSize, 1, 100);
        if (errors.Any)
        {
            return ApiProblem.Invalid(context, errors);
        }

        var caller = Caller.From(context.User);
        var now = clock.GetUtcNow().UtcDateTime;
        var query = db.ApiKeys.AsNoTracking().Where(k => caller.IsAdmin || (k.TenantId == caller.TenantId && !k.IsAdmin));
        if (activeOnly ?? true)
        {
            query = query.Where(k => k.RevokedAt == null && k.DisabledAt == null && (k.ExpiresAt == null || k.ExpiresAt > now));
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLowerInvariant();
#pragma warning disable CA1862 // Translated to SQL (lower(...) LIKE): the StringComparison overload has no translation.
            query = query.Where(k => k.Name.ToLower().Contains(term) || (k.Description != null && k.Description.ToLower().Contains(term))
                || (k.Organization != null && k.Organization.ToLower().Contains(term)) || k.TenantId.ToLower().Contains(term));
#pragma warning restore CA1862
        }

        var (number, size) = (page ?? 1, pageSize ?? 20);
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderBy(k => k.CreatedAt).ThenBy(k => k.Id).Skip((number - 1) * size).Take(size).ToListAsync(cancellationToken);
        var ids = rows.Select(k => k.Id).ToList();
        var submitted = await db.Jobs.Where(j => ids.Contains(j.ApiKeyId)).GroupBy(j => j.ApiKeyId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var infos = rows.Select(k => ApiKeyInfo.From(k, submitted.GetValueOrDefault(k.Id), now)).ToList();
        return TypedResults.Ok(new ApiKeyListResponse(infos, total, number, size, (number * (long)size) < total));
    }

    internal static async Task<Results<Ok<ApiKeyInfo>, ProblemHttpResult>> GetAsync(
        string id, HttpContext context, ApiKeyService keys, KeyUsage usage, TimeProvider clock, CancellationToken cancellationToken) =>
        await VisibleAsync(id, context, keys, cancellationToken) is { } key ? TypedResults.Ok(await InfoAsync(key, usage, clock, cancellationToken)) : NotFound(context);

    internal static async Task<Results<Ok<ApiKeyInfo>, ProblemHttpResult>> UpdateAsync(
        string id, HttpContext context, ApiKeyService keys, KeyUsage usage, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (body, errors) = await TypedBody.ReadAsync<UpdateApiKeyBody>(context, cancellationToken);
        if (body is null)
        {
            return ApiProblem.Invalid(context, errors);
        }

        if (await VisibleAsync(id, context, keys, cancellationToken) is null)
        {
            return NotFound(context);
        }

        if (!Caller.From(context.User).IsAdmin && (body.MaxConcurrentJobs is not null || body.MonthlyLimitMinutes is not null))
        {
            return Forbidden(context, body.MaxConcurrentJobs is not null ? "max_concurrent_jobs" : "monthly_limit_minutes", "A key's limits are changed with an admin key.");
        }

        if (!Caller.From(context.User).IsAdmin && body.IsActive == true)
        {
            // Otherwise a key of the tenant could switch back on a key an admin switched off.
            return Forbidden(context, "is_active", "A key is switched on again with an admin key.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var updated = await keys.UpdateAsync(
            id,
            k =>
            {
                k.Name = body.Name?.Trim() ?? k.Name;
                k.Description = body.Description ?? k.Description;
                k.MaxConcurrentJobs = body.MaxConcurrentJobs ?? k.MaxConcurrentJobs;
                k.MonthlyLimitMinutes = body.MonthlyLimitMinutes ?? k.MonthlyLimitMinutes;
                k.DisabledAt = body.IsActive switch
                {
                    false => k.DisabledAt ?? now,
                    true => null,
                    null => k.DisabledAt,
                };
            },
            cancellationToken);
        await context.AuditAsync(AuditActions.KeyUpdate, id, updated!.TenantId, string.Join(' ', Changed(body)));
        return TypedResults.Ok(await InfoAsync(updated, usage, clock, cancellationToken));
    }

    internal static async Task<Results<Ok<ApiKeyInfo>, ProblemHttpResult>> RevokeAsync(
        string id, HttpContext context, ApiKeyService keys, KeyUsage usage, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await VisibleAsync(id, context, keys, cancellationToken) is not { } key)
        {
            return NotFound(context);
        }

        if (key.RevokedAt is not null)
        {
            return ApiProblem.Create(context, 400, InvalidRequest, "API key is already revoked");
        }

        var revoked = await keys.RevokeAsync(id, cancellationToken);
        await context.AuditAsync(AuditActions.KeyRevoke, id, key.TenantId, "via /api-keys");
        return TypedResults.Ok(await InfoAsync(revoked!, usage, clock, cancellationToken));
    }

    internal static async Task<Results<Ok<ApiKeyInfo>, ProblemHttpResult>> ExtendAsync(
        string id,
        HttpContext context,
        ApiKeyService keys,
        KeyUsage usage,
        TimeProvider clock,
        [FromQuery(Name = "additional_days")] int? additionalDays,
        CancellationToken cancellationToken)
    {
        if (additionalDays is not { } days || days is < 1 or > 3650)
        {
            return ApiProblem.Create(context, 422, InvalidRequest, "additional_days: required, between 1 and 3650.", new Dictionary<string, string[]> { ["additional_days"] = ["Required: between 1 and 3650."] });
        }

        if (await VisibleAsync(id, context, keys, cancellationToken) is not { } key)
        {
            return NotFound(context);
        }

        if (key.RevokedAt is not null)
        {
            return ApiProblem.Create(context, 400, InvalidRequest, "Cannot extend revoked API key");
        }

        // From the current expiry, or from now for an expired key; a key that never expires stays so.
        var now = clock.GetUtcNow().UtcDateTime;
        var extended = await keys.UpdateAsync(id, k => k.ExpiresAt = k.ExpiresAt is { } at ? (at > now ? at : now).AddDays(days) : null, cancellationToken);
        await context.AuditAsync(AuditActions.KeyUpdate, id, key.TenantId, $"expiry extended by {days} days to {extended!.ExpiresAt:O}");
        return TypedResults.Ok(await InfoAsync(extended, usage, clock, cancellationToken));
    }

    internal static async Task<Results<Ok<ApiKeyUsageResponse>, ProblemHttpResult>> UsageAsync(
        string id, HttpContext context, ApiKeyService keys, KeyUsage usage, TimeProvider clock, [FromQuery] int? days, CancellationToken cancellationToken)
    {
        if (days is < 1 or > 365)
        {
            return ApiProblem.Create(context, 422, InvalidRequest, "days: between 1 and 365.", new Dictionary<string, string[]> { ["days"] = ["Between 1 and 365."] });
        }

        if (await VisibleAsync(id, context, keys, cancellationToken) is not { } key)
        {
            return NotFound(context);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var month = KeyUsage.MonthOf(now);
        var current = await usage.PeriodAsync(id, month, month.AddMonths(1), cancellationToken);
        var previous = await usage.PeriodAsync(id, month.AddMonths(-1), month, cancellationToken);
        var recent = await usage.PeriodAsync(id, now.AddDays(-(days ?? 30)), now.AddTicks(1), cancellationToken);
        return TypedResults.Ok(new ApiKeyUsageResponse(
            id,
            UsagePeriodView.Of(month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), current),
            UsagePeriodView.Of(month.AddMonths(-1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), previous),
            UsagePeriodView.Of($"last {days ?? 30} days", recent),
            await usage.ActiveJobsAsync(id, cancellationToken),
            key.MaxConcurrentJobs,
            key.MonthlyLimitMinutes,
            key.MonthlyLimitMinutes is { } limit ? Math.Max(0, Math.Round(limit - current.ProcessingMinutes, 4)) : null));
    }

    /// <summary>The key when the caller may see it: an admin any, another key those of its tenant.</summary>
    private static async Task<ApiKey?> VisibleAsync(string id, HttpContext context, ApiKeyService keys, CancellationToken cancellationToken)
    {
        var caller = Caller.From(context.User);
        return await keys.FindAsync(id, cancellationToken) is { } key && (caller.IsAdmin || (key.TenantId == caller.TenantId && !key.IsAdmin)) ? key : null;
    }

    private static async Task<ApiKeyInfo> InfoAsync(ApiKey key, KeyUsage usage, TimeProvider clock, CancellationToken cancellationToken) =>
        ApiKeyInfo.From(key, await usage.SubmittedAsync(key.Id, cancellationToken), clock.GetUtcNow().UtcDateTime);

    private static IEnumerable<string> Changed(UpdateApiKeyBody body)
    {
        if (body.Name is not null)
        {
            yield return "name";
        }

        if (body.Description is not null)
        {
            yield return "description";
        }

        if (body.MaxConcurrentJobs is { } c)
        {
            yield return $"max_concurrent_jobs={c}";
        }

        if (body.MonthlyLimitMinutes is { } m)
        {
            yield return $"monthly_limit_minutes={m}";
        }

        if (body.IsActive is { } active)
        {
            yield return $"is_active={active}";
        }
    }

    private static ProblemHttpResult Forbidden(HttpContext context, string field, string message) =>
        ApiProblem.Create(context, 403, AccessDenied, $"{field}: {message}", new Dictionary<string, string[]> { [field] = [message] });

    private static ProblemHttpResult NotFound(HttpContext context) => ApiProblem.Create(context, 404, ErrorCodes.NotFound, "API key not found");
}
