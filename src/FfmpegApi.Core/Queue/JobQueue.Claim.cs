using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Queue;

/// <summary>The tenant a worker last started a job for, and when: the round-robin state of the claim.</summary>
public sealed class TenantSchedule
{
    public required string TenantId { get; init; }

    public DateTime LastStartedAt { get; set; }

    /// <summary>The tenant's running jobs, kept by the claim and every transition out of running (for <c>Worker:TenantConcurrency</c>).</summary>
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

    /// <summary>
    /// Claims the next job this worker can run: queued, past its retry time, needing only <paramref name="capabilities"/>
    /// the worker has, of a tenant under <c>Worker:TenantConcurrency</c>. SQLite: pick, then a guarded UPDATE that
    /// re-checks state and the tenant's count (a concurrent claimer of the same row gets zero rows and tries again).
    /// PostgreSQL: one statement with <c>SKIP LOCKED</c>.
    /// </summary>
    public async Task<Job?> ClaimAsync(string workerId, Processing.WorkerCapability capabilities, CancellationToken cancellationToken)
    {
        var limit = workerOptions.Value.TenantConcurrency;
        var caps = (int)capabilities;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var (found, job) = db.Database.IsNpgsql()
                ? await ClaimSkipLockedAsync(workerId, caps, limit, cancellationToken)
                : await ClaimGuardedAsync(workerId, caps, limit, cancellationToken);
            if (!found || job is not null)
            {
                return job;
            }
        }

        return null;
    }

    /// <summary>SQLite (one writer at a time): the candidate, then its guarded UPDATE. Found = there was a candidate.</summary>
    private async Task<(bool Found, Job? Job)> ClaimGuardedAsync(string workerId, int caps, int limit, CancellationToken cancellationToken)
    {
        var now = Now;
        var candidate = await (
            from j in db.Jobs.AsNoTracking()
            where j.Status == JobStatus.Queued && (j.RunAfter == null || j.RunAfter <= now) && (j.Requires & ~caps) == 0
            join t in db.TenantSchedules.AsNoTracking() on j.TenantId equals t.TenantId into turns
            from t in turns.DefaultIfEmpty()
            where limit == 0 || t == null || t.Running < limit
            orderby j.Priority descending, t == null ? 0 : 1, t!.LastStartedAt, j.CreatedAt
            select new { j.Id, j.TenantId }).FirstOrDefaultAsync(cancellationToken);
        if (candidate is null)
        {
            return (false, null);
        }

        var claimed = await TransitionAsync(candidate.Id, WebhookEventTypes.JobStarted, async () =>
        {
            // The tenant's count is re-checked inside the UPDATE, which SQLite runs under its write lock.
            var rows = await db.Jobs
                .Where(j => j.Id == candidate.Id && j.Status == JobStatus.Queued)
                .Where(j => limit == 0 || !db.TenantSchedules.Any(t => t.TenantId == j.TenantId && t.Running >= limit))
                .ExecuteUpdateAsync(
                    s => s.SetProperty(j => j.Status, JobStatus.Running)
                        .SetProperty(j => j.LeaseOwner, workerId)
                        .SetProperty(j => j.LeaseExpiresAt, now + Lease)
                        .SetProperty(j => j.StartedAt, now)
                        .SetProperty(j => j.UpdatedAt, now)
                        .SetProperty(j => j.Stage, "starting")
                        .SetProperty(j => j.RunAfter, (DateTime?)null)
                        .SetProperty(j => j.Attempts, j => j.Attempts + 1),
                    cancellationToken);
            if (rows == 1 && await db.TenantSchedules.Where(t => t.TenantId == candidate.TenantId)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastStartedAt, now).SetProperty(t => t.Running, t => t.Running + 1), cancellationToken) == 0)
            {
                // SQLite serializes writers, so nobody inserts the same tenant between the update and this insert.
                db.TenantSchedules.Add(new TenantSchedule { TenantId = candidate.TenantId, LastStartedAt = now, Running = 1 });
                await db.SaveChangesAsync(cancellationToken);
                db.ChangeTracker.Clear();
            }

            return rows;
        }, cancellationToken);
        return (true, claimed ? await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == candidate.Id, cancellationToken) : null);
    }

    /// <summary>
    /// PostgreSQL: picks, leases, counts the tenant's run and records its turn in one statement that returns the
    /// claimed row. <c>FOR UPDATE OF j SKIP LOCKED</c> lets concurrent claimers pass over rows another worker is taking
    /// instead of queueing behind its lock. The tenant's row is updated with its limit in the WHERE clause: a claimer
    /// that waited for another's update of that row re-checks the count after it, so the limit holds exactly; when it
    /// no longer does, nothing is claimed (found, but no job) and the caller picks again. The <c>job.started</c> event
    /// commits with the claim.
    /// </summary>
    private async Task<(bool Found, Job? Job)> ClaimSkipLockedAsync(string workerId, int caps, int limit, CancellationToken cancellationToken)
    {
        var now = Now;
        var expires = now + Lease;
        Job? job;
        bool recorded;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var rows = await db.Database.SqlQuery<ClaimRow>($"""
                WITH next AS (
                    SELECT j.id, j.tenant_id FROM jobs j LEFT JOIN tenant_schedules t ON t.tenant_id = j.tenant_id
                    WHERE j.status = 'Queued' AND (j.run_after IS NULL OR j.run_after <= {now}) AND (j.requires & ~{caps}) = 0
                      AND ({limit} = 0 OR t.running IS NULL OR t.running < {limit})
                    ORDER BY j.priority DESC, t.last_started_at ASC NULLS FIRST, j.created_at
                    LIMIT 1 FOR UPDATE OF j SKIP LOCKED),
                turn AS (
                    INSERT INTO tenant_schedules (tenant_id, last_started_at, running) SELECT tenant_id, {now}, 1 FROM next
                    ON CONFLICT (tenant_id) DO UPDATE SET last_started_at = EXCLUDED.last_started_at, running = tenant_schedules.running + 1
                    WHERE {limit} = 0 OR tenant_schedules.running < {limit}
                    RETURNING tenant_id),
                claimed AS (
                    UPDATE jobs SET status = 'Running', lease_owner = {workerId}, lease_expires_at = {expires}, started_at = {now},
                           updated_at = {now}, stage = 'starting', run_after = NULL, attempts = attempts + 1
                    FROM next WHERE jobs.id = next.id AND EXISTS (SELECT 1 FROM turn)
                    RETURNING jobs.id)
                SELECT (SELECT id FROM next) AS "Next", (SELECT id FROM claimed) AS "Claimed"
                """).ToListAsync(cancellationToken);
            var row = rows.Single();
            if (row.Next is null)
            {
                return (false, null);
            }

            job = row.Claimed is { } id ? await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == id, cancellationToken) : null;
            recorded = job is not null && await outbox.RecordJobEventAsync(job, WebhookEventTypes.JobStarted, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (recorded)
        {
            webhookSignal.Notify();
        }

        return (true, job);
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

    /// <summary>What the claim statement saw: the job it picked (or none) and whether it leased it.</summary>
    private sealed record ClaimRow(string? Next, string? Claimed);
}
