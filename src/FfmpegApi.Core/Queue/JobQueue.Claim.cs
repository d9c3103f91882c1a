using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Queue;

/// <summary>The tenant a worker last started a job for, and when: the round-robin state of the claim.</summary>
public sealed class TenantSchedule
{
    public required string TenantId { get; init; }

    public DateTime LastStartedAt { get; set; }

    /// <summary>
    /// The tenant's running jobs, kept by the claim and every transition out of running while <c>Worker:TenantConcurrency</c>
    /// is set (nothing reads it otherwise, so nobody pays for it then); the reconciliation sets it right when a limit is
    /// turned on.
    /// </summary>
    public int Running { get; set; }
}

/// <summary>
/// Claiming. Order: priority (high first); then the tenant whose last job started longest ago (a tenant never served
/// goes first), so one tenant's 10,000 queued jobs take turns with another tenant's one instead of starving it; then
/// age. The claim records the tenant's turn in <c>tenant_schedules</c> in the same transaction.
/// </summary>
public sealed partial class JobQueue
{
    /// <summary>Claims the next job that needs nothing beyond plain ffmpeg.</summary>
    public Task<Job?> ClaimAsync(string workerId, CancellationToken cancellationToken) =>
        ClaimAsync(workerId, Processing.WorkerCapability.None, cancellationToken);

    /// <summary>Claims the next job this worker can run (see <see cref="ClaimManyAsync"/>).</summary>
    public async Task<Job?> ClaimAsync(string workerId, Processing.WorkerCapability capabilities, CancellationToken cancellationToken) =>
        await ClaimManyAsync([workerId], capabilities, cancellationToken) is [var job, ..] ? job : null;

    /// <summary>
    /// Claims up to one job per lease owner in <paramref name="owners"/> (a worker's free slots): queued, past its retry
    /// time, needing only <paramref name="capabilities"/> the worker has, of a tenant under <c>Worker:TenantConcurrency</c>.
    /// The jobs come in the order single claims would take them: by priority, then round-robin between tenants (each
    /// tenant's oldest job, then each tenant's second, ...), least recently served tenant first. SQLite: one guarded claim
    /// after another. PostgreSQL: one statement with <c>SKIP LOCKED</c> for the whole batch.
    /// </summary>
    public async Task<IReadOnlyList<Job>> ClaimManyAsync(IReadOnlyList<string> owners, Processing.WorkerCapability capabilities, CancellationToken cancellationToken)
    {
        var limit = workerOptions.Value.TenantConcurrency;
        var caps = (int)capabilities;
        if (!db.Database.IsNpgsql())
        {
            var claimed = new List<Job>();
            foreach (var owner in owners)
            {
                Job? job = null;
                for (var attempt = 0; attempt < 5; attempt++)
                {
                    (var found, job) = await ClaimGuardedAsync(owner, caps, limit, cancellationToken);
                    if (!found || job is not null)
                    {
                        break;
                    }
                }

                if (job is null)
                {
                    break;
                }

                claimed.Add(job);
            }

            return Counted(claimed);
        }

        for (var attempt = 0; attempt < 5 && owners.Count > 0; attempt++)
        {
            var (candidates, jobs) = await ClaimSkipLockedAsync(owners, caps, limit, cancellationToken);
            if (jobs.Count > 0 || candidates == 0)
            {
                return Counted(jobs);
            }

            // Candidates, but other claimers held them (or took a tenant's last place): give their transactions a
            // moment to commit, then look again.
            await Task.Delay(TimeSpan.FromMilliseconds(5 + Random.Shared.Next(20)), cancellationToken);
        }

        return [];
    }

    private List<Job> Counted(List<Job> claimed)
    {
        effects.Apply(new QueueChange { Claimed = claimed.Count });

        return claimed;
    }

    /// <summary>SQLite (one writer at a time): the candidate, then its guarded UPDATE. Found = there was a candidate.</summary>
    private async Task<(bool Found, Job? Job)> ClaimGuardedAsync(string workerId, int caps, int limit, CancellationToken cancellationToken)
    {
        var now = Now;
        var candidate = await (
            from j in db.Jobs.AsNoTracking().Movable(JobTransition.Claim)
            where (j.RunAfter == null || j.RunAfter <= now) && (j.Requires & ~caps) == 0
            join t in db.TenantSchedules.AsNoTracking() on j.TenantId equals t.TenantId into turns
            from t in turns.DefaultIfEmpty()
            where limit == 0 || t == null || t.Running < limit
            orderby j.Priority descending, t == null ? 0 : 1, t!.LastStartedAt, j.CreatedAt
            select new { j.Id, j.TenantId }).FirstOrDefaultAsync(cancellationToken);
        if (candidate is null)
        {
            return (false, null);
        }

        var counted = limit == 0 ? 0 : 1;
        var claimed = await TransitionAsync(candidate.Id, WebhookEventTypes.JobStarted, async () =>
        {
            // The tenant's count is re-checked inside the UPDATE, which SQLite runs under its write lock.
            var rows = await db.Jobs
                .Movable(JobTransition.Claim).Where(j => j.Id == candidate.Id)
                .Where(j => limit == 0 || !db.TenantSchedules.Any(t => t.TenantId == j.TenantId && t.Running >= limit))
                .ExecuteUpdateAsync(
                    s => s.SetProperty(j => j.Status, JobTransition.Claim.To)
                        .SetProperty(j => j.LeaseOwner, workerId)
                        .SetProperty(j => j.LeaseExpiresAt, now + Lease)
                        .SetProperty(j => j.StartedAt, now)
                        .SetProperty(j => j.UpdatedAt, now)
                        .SetProperty(j => j.Stage, "starting")
                        .SetProperty(j => j.RunAfter, (DateTime?)null)
                        .SetProperty(j => j.Attempts, j => j.Attempts + 1),
                    cancellationToken);
            if (rows == 1 && await db.TenantSchedules.Where(t => t.TenantId == candidate.TenantId)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastStartedAt, now).SetProperty(t => t.Running, t => t.Running + counted), cancellationToken) == 0)
            {
                // SQLite serializes writers, so nobody inserts the same tenant between the update and this insert.
                db.TenantSchedules.Add(new TenantSchedule { TenantId = candidate.TenantId, LastStartedAt = now, Running = counted });
                await db.SaveChangesAsync(cancellationToken);
                db.ChangeTracker.Clear();
            }

            return rows;
        }, cancellationToken);
        return (true, claimed ? await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == candidate.Id, cancellationToken) : null);
    }

    /// <summary>
    /// Resets each tenant's running count to the number of its running jobs, where they differ (a safety net run by the
    /// reaper while <c>Worker:TenantConcurrency</c> is set; also what makes the count right after the limit is turned on).
    /// On PostgreSQL the tenant rows are locked first, so claims and ends in flight commit before the count is taken.
    /// Returns the number of tenants corrected.
    /// </summary>
    public async Task<int> ReconcileTenantCountsAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlAsync($"SELECT 1 FROM tenant_schedules ORDER BY tenant_id FOR UPDATE", cancellationToken);
        }

        var fixedRows = await db.TenantSchedules
            .Where(t => t.Running != db.Jobs.Count(j => j.TenantId == t.TenantId && j.Status == JobStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Running, t => db.Jobs.Count(j => j.TenantId == t.TenantId && j.Status == JobStatus.Running)), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return fixedRows;
    }

}
