using FfmpegApi.Core.Auth;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Errors;
using FfmpegApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// What a submit of <c>adding</c> jobs may not exceed, each answered with 429 <c>QUOTA_EXCEEDED</c> naming the limit and
/// a <c>Retry-After</c>: the tenant's active jobs and jobs per day (<c>Limits:*</c>), and the key's own
/// <c>max_concurrent_jobs</c> and <c>monthly_limit_minutes</c> (set through <c>/api-keys</c>). Checked before the
/// insert; racing submits may both pass the last free slot (overshoot bounded by concurrency).
/// </summary>
public sealed class SubmitQuotas(AppDbContext db, IOptions<LimitOptions> limits, KeyUsage usage)
{
    public async Task<ProblemHttpResult?> ProblemAsync(HttpContext context, Caller caller, int adding, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var quota = limits.Value;
        if (quota.MaxActiveJobsPerTenant > 0)
        {
            var active = await db.Jobs.Active().CountAsync(j => j.TenantId == caller.TenantId, cancellationToken);
            if (active + adding > quota.MaxActiveJobsPerTenant)
            {
                return Refused(context, 5, $"{active} jobs are queued, waiting or running for this tenant; the limit is {quota.MaxActiveJobsPerTenant}. Retry when one finishes.");
            }
        }

        if (quota.MaxJobsPerDayPerTenant > 0)
        {
            var midnight = now.UtcDateTime.Date;
            var today = await db.Jobs.CountAsync(j => j.TenantId == caller.TenantId && j.CreatedAt >= midnight, cancellationToken);
            if (today + adding > quota.MaxJobsPerDayPerTenant)
            {
                return Refused(context, (midnight.AddDays(1) - now.UtcDateTime).TotalSeconds, $"This tenant created {today} jobs today (UTC); the daily limit is {quota.MaxJobsPerDayPerTenant}.");
            }
        }

        return await KeyProblemAsync(context, caller.KeyId, adding, now.UtcDateTime, cancellationToken);
    }

    private async Task<ProblemHttpResult?> KeyProblemAsync(HttpContext context, string keyId, int adding, DateTime now, CancellationToken cancellationToken)
    {
        var key = await db.ApiKeys.AsNoTracking().Where(k => k.Id == keyId).Select(k => new { k.MaxConcurrentJobs, k.MonthlyLimitMinutes }).FirstOrDefaultAsync(cancellationToken);
        if (key?.MaxConcurrentJobs is { } max)
        {
            var active = await usage.ActiveJobsAsync(keyId, cancellationToken);
            if (active + adding > max)
            {
                return Refused(context, 5, $"max_concurrent_jobs: this key has {active} jobs queued, waiting or running; its limit is {max}. Retry when one finishes.");
            }
        }

        if (key?.MonthlyLimitMinutes is { } minutes)
        {
            var month = KeyUsage.MonthOf(now);
            var used = await usage.ProcessingMinutesAsync(keyId, month, month.AddMonths(1), cancellationToken);
            if (used >= minutes)
            {
                return Refused(context, (month.AddMonths(1) - now).TotalSeconds, $"monthly_limit_minutes: this key used {used:0.##} of its {minutes} processing minutes this month (UTC).");
            }
        }

        return null;
    }

    private static ProblemHttpResult Refused(HttpContext context, double retryAfterSeconds, string detail)
    {
        context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfterSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ApiProblem.Create(context, 429, ErrorCodes.QuotaExceeded, detail);
    }
}
