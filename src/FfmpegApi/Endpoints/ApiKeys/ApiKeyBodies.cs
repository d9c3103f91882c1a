using FfmpegApi.Core.Auth;
using FfmpegApi.Endpoints.Jobs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.ApiKeys;

/// <summary>
/// <c>POST /api/v1/api-keys</c>, the original API's body. Limits default as there (5 concurrent jobs, 10,000 minutes a
/// month); <c>user_id</c> is the tenant the key acts for (its jobs are that tenant's).
/// </summary>
public sealed record CreateApiKeyBody(
    string? Name,
    string? Description = null,
    int? ExpiresInDays = null,
    int? MaxConcurrentJobs = null,
    int? MonthlyLimitMinutes = null,
    string? UserId = null,
    string? Organization = null) : IValidatedBody
{
    public const int DefaultConcurrentJobs = 5;
    public const int DefaultMonthlyMinutes = 10_000;

    public void Validate(ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Trim().Length > 255)
        {
            errors.Add("name", "Required: a label of 1 to 255 characters.", InvalidRequest);
        }

        ApiKeyRules.Text(errors, "description", Description, 1000);
        ApiKeyRules.Text(errors, "organization", Organization, 255);
        if (UserId is not null && !ApiKeyRules.IsTenant(UserId))
        {
            errors.Add("user_id", "1 to 64 letters, digits, '-', '_' or '.' (it names the tenant the key acts for).", InvalidRequest, UserId);
        }

        ApiKeyRules.Range(errors, "expires_in_days", ExpiresInDays, 1, 3650);
        ApiKeyRules.Limits(errors, MaxConcurrentJobs, MonthlyLimitMinutes);
    }
}

/// <summary><c>PATCH /api/v1/api-keys/{id}</c>: only the members sent change.</summary>
public sealed record UpdateApiKeyBody(
    string? Name = null,
    string? Description = null,
    int? MaxConcurrentJobs = null,
    int? MonthlyLimitMinutes = null,
    bool? IsActive = null) : IValidatedBody
{
    public void Validate(ValidationErrors errors)
    {
        if (Name is not null && (Name.Trim().Length is 0 or > 255))
        {
            errors.Add("name", "A label of 1 to 255 characters.", InvalidRequest);
        }

        ApiKeyRules.Text(errors, "description", Description, 1000);
        ApiKeyRules.Limits(errors, MaxConcurrentJobs, MonthlyLimitMinutes);
    }
}

internal static class ApiKeyRules
{
    public static bool IsTenant(string value) => value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public static void Text(ValidationErrors errors, string field, string? value, int max)
    {
        if (value is not null && value.Length > max)
        {
            errors.Add(field, $"At most {max} characters.", InvalidRequest);
        }
    }

    public static void Range(ValidationErrors errors, string field, int? value, int min, int max)
    {
        if (value is { } v && (v < min || v > max))
        {
            errors.Add(field, $"Between {min} and {max}.", InvalidRequest, v.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The original's ranges: 1–100 concurrent jobs, 100–1,000,000 minutes a month.</summary>
    public static void Limits(ValidationErrors errors, int? concurrent, int? minutes)
    {
        Range(errors, "max_concurrent_jobs", concurrent, 1, 100);
        Range(errors, "monthly_limit_minutes", minutes, 100, 1_000_000);
    }
}

/// <summary>A key as the original API shows it (never its secret or hash).</summary>
public sealed record ApiKeyInfo(
    string Id,
    string Name,
    string KeyPrefix,
    string UserId,
    string? Organization,
    bool IsActive,
    bool IsAdmin,
    int? MaxConcurrentJobs,
    int? MonthlyLimitMinutes,
    int TotalRequests,
    DateTime? LastUsedAt,
    DateTime CreatedAt,
    DateTime? ExpiresAt,
    DateTime? RevokedAt,
    string? Description,
    string? CreatedBy,
    bool IsExpired,
    int? DaysUntilExpiry)
{
    /// <param name="submitted">Jobs the key submitted (the original's <c>total_requests</c>; reads are not metered).</param>
    public static ApiKeyInfo From(ApiKey key, int submitted, DateTime now)
    {
        var expired = key.ExpiresAt <= now;
        return new ApiKeyInfo(
            key.Id, key.Name, $"fa_{key.Prefix}_", key.UserId ?? key.TenantId, key.Organization,
            key.RevokedAt is null && key.DisabledAt is null && !expired, key.IsAdmin, key.MaxConcurrentJobs, key.MonthlyLimitMinutes, submitted,
            key.LastUsedAt, key.CreatedAt, key.ExpiresAt, key.RevokedAt, key.Description, key.CreatedBy, expired,
            key.ExpiresAt is { } at && !expired ? (int)Math.Ceiling((at - now).TotalDays) : null);
    }
}

/// <summary>The answer to a create: the secret (<c>api_key</c>) is shown here only.</summary>
public sealed record CreatedApiKeyResponse(
    string Id,
    string Name,
    string ApiKey,
    string KeyPrefix,
    DateTime? ExpiresAt,
    int? MaxConcurrentJobs,
    int? MonthlyLimitMinutes,
    DateTime CreatedAt);

public sealed record ApiKeyListResponse(IReadOnlyList<ApiKeyInfo> ApiKeys, int TotalCount, int Page, int PageSize, bool HasNext);

/// <summary>One period of a key's use.</summary>
public sealed record UsagePeriodView(string Period, DateTime From, DateTime Until, int Jobs, int Completed, double ProcessingMinutes, long BytesIn, long BytesOut)
{
    public static UsagePeriodView Of(string period, UsagePeriod m) => new(period, m.From, m.Until, m.Jobs, m.Completed, m.ProcessingMinutes, m.BytesIn, m.BytesOut);
}

/// <summary><c>GET /api-keys/{id}/usage</c>: the current and previous month (UTC), the last <c>days</c>, and the key's limits.</summary>
public sealed record ApiKeyUsageResponse(
    string KeyId,
    UsagePeriodView CurrentMonth,
    UsagePeriodView PreviousMonth,
    UsagePeriodView LastDays,
    int ActiveJobs,
    int? MaxConcurrentJobs,
    int? MonthlyLimitMinutes,
    double? RemainingMinutes);
