using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Auth;

/// <summary>
/// A period of a key's use: jobs it submitted, jobs completed, processing minutes (the run time of every attempt that
/// ended in the period, retries included), bytes its completed jobs read and published.
/// </summary>
public sealed record UsagePeriod(DateTime From, DateTime Until, int Jobs, int Completed, double ProcessingMinutes, long BytesIn, long BytesOut);

/// <summary>
/// Usage per key, read from what the queue records anyway: the jobs (created, completed, bytes in and out, set with the
/// completion) and their attempt history (each run's start and end). Nothing is counted twice or kept apart from the
/// jobs it describes; a run still going counts when it ends.
/// </summary>
public sealed class KeyUsage(AppDbContext db)
{
    /// <summary>The first instant of the month of <paramref name="at"/> (UTC).</summary>
    public static DateTime MonthOf(DateTime at) => new(at.Year, at.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The key's use in [<paramref name="from"/>, <paramref name="until"/>).</summary>
    public async Task<UsagePeriod> PeriodAsync(string keyId, DateTime from, DateTime until, CancellationToken cancellationToken)
    {
        var jobs = await db.Jobs.CountAsync(j => j.ApiKeyId == keyId && j.CreatedAt >= from && j.CreatedAt < until, cancellationToken);
        var completed = db.Jobs.Where(j => j.ApiKeyId == keyId && j.Status == JobStatus.Completed && j.CompletedAt >= from && j.CompletedAt < until);
        var count = await completed.CountAsync(cancellationToken);
        var bytesIn = await completed.SumAsync(j => j.InputBytes ?? 0, cancellationToken);
        var bytesOut = await completed.SumAsync(j => j.OutputBytes ?? 0, cancellationToken);
        var minutes = await ProcessingMinutesAsync(keyId, from, until, cancellationToken);
        return new UsagePeriod(from, until, jobs, count, minutes, bytesIn, bytesOut);
    }

    /// <summary>Jobs of the key queued, waiting or running now.</summary>
    public Task<int> ActiveJobsAsync(string keyId, CancellationToken cancellationToken) =>
        db.Jobs.Active().CountAsync(j => j.ApiKeyId == keyId, cancellationToken);

    /// <summary>Jobs the key ever submitted.</summary>
    public Task<int> SubmittedAsync(string keyId, CancellationToken cancellationToken) => db.Jobs.CountAsync(j => j.ApiKeyId == keyId, cancellationToken);

    /// <summary>Processing minutes of the key's runs that ended in [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public async Task<double> ProcessingMinutesAsync(string keyId, DateTime start, DateTime end, CancellationToken cancellationToken)
    {
        // The subtraction is done here: SQLite and PostgreSQL disagree on date arithmetic, and a month holds few runs per key.
        var runs = await (from a in db.JobAttempts
                          join j in db.Jobs on a.JobId equals j.Id
                          where j.ApiKeyId == keyId && a.EndedAt >= start && a.EndedAt < end && a.StartedAt != null
                          select new { Started = a.StartedAt!.Value, a.EndedAt }).ToListAsync(cancellationToken);
        return Math.Round(runs.Sum(r => Math.Max(0, (r.EndedAt - r.Started).TotalMinutes)), 4);
    }
}
