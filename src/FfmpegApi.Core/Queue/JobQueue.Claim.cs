using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Queue;

/// <summary>The tenant a worker last started a job for, and when: the round-robin state of the claim.</summary>
public sealed class TenantSchedule
{
    public required string TenantId { get; init; }

    public DateTime LastStartedAt { get; set; }
}

/// <summary>
/// Claiming. Order: priority (high first); then the tenant whose last job started longest ago (a tenant never served
/// goes first), so one tenant's 10,000 queued jobs take turns with another tenant's one instead of starving it; then
/// age. The claim records the tenant's turn in <c>tenant_schedules</c> in the same transaction.
/// </summary>
public sealed partial class JobQueue
{
    /// <summary>
    /// Claims the next job. SQLite: pick, then a guarded UPDATE that re-checks <c>status = queued</c> (a concurrent
    /// claimer of the same row gets zero rows and tries again). PostgreSQL: one statement with <c>SKIP LOCKED</c>.
    /// </summary>
    public async Task<Job?> ClaimAsync(string workerId, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            return await ClaimSkipLockedAsync(workerId, cancellationToken);
        }

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var candidate = await (
                from j in db.Jobs.AsNoTracking()
                where j.Status == JobStatus.Queued
                join t in db.TenantSchedules.AsNoTracking() on j.TenantId equals t.TenantId into turns
                from t in turns.DefaultIfEmpty()
                orderby j.Priority descending, t == null ? 0 : 1, t!.LastStartedAt, j.CreatedAt
                select new { j.Id, j.TenantId }).FirstOrDefaultAsync(cancellationToken);
            if (candidate is null)
            {
                return null;
            }

            var now = Now;
            var claimed = await TransitionAsync(candidate.Id, WebhookEventTypes.JobStarted, async () =>
            {
                var rows = await db.Jobs
                    .Where(j => j.Id == candidate.Id && j.Status == JobStatus.Queued)
                    .ExecuteUpdateAsync(
                        s => s.SetProperty(j => j.Status, JobStatus.Running)
                            .SetProperty(j => j.LeaseOwner, workerId)
                            .SetProperty(j => j.LeaseExpiresAt, now + Lease)
                            .SetProperty(j => j.StartedAt, now)
                            .SetProperty(j => j.UpdatedAt, now)
                            .SetProperty(j => j.Stage, "starting")
                            .SetProperty(j => j.Attempts, j => j.Attempts + 1),
                        cancellationToken);
                if (rows == 1 && await db.TenantSchedules.Where(t => t.TenantId == candidate.TenantId)
                        .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastStartedAt, now), cancellationToken) == 0)
                {
                    // SQLite serializes writers, so nobody inserts the same tenant between the update and this insert.
                    db.TenantSchedules.Add(new TenantSchedule { TenantId = candidate.TenantId, LastStartedAt = now });
                    await db.SaveChangesAsync(cancellationToken);
                    db.ChangeTracker.Clear();
                }

                return rows;
            }, cancellationToken);
            if (claimed)
            {
                return await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == candidate.Id, cancellationToken);
            }
        }

        return null;
    }

    /// <summary>
    /// PostgreSQL: picks, leases and records the tenant's turn in one statement. <c>FOR UPDATE OF j SKIP LOCKED</c> lets
    /// concurrent claimers pass over rows another worker is taking instead of queueing behind its lock. The
    /// <c>job.started</c> event commits with the claim.
    /// </summary>
    private async Task<Job?> ClaimSkipLockedAsync(string workerId, CancellationToken cancellationToken)
    {
        var now = Now;
        var expires = now + Lease;
        Job? job;
        bool recorded;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var claimed = await db.Database.SqlQuery<string>($"""
                WITH next AS (
                    SELECT j.id FROM jobs j LEFT JOIN tenant_schedules t ON t.tenant_id = j.tenant_id
                    WHERE j.status = 'Queued'
                    ORDER BY j.priority DESC, t.last_started_at ASC NULLS FIRST, j.created_at
                    LIMIT 1 FOR UPDATE OF j SKIP LOCKED),
                claimed AS (
                    UPDATE jobs SET status = 'Running', lease_owner = {workerId}, lease_expires_at = {expires}, started_at = {now},
                           updated_at = {now}, stage = 'starting', attempts = attempts + 1
                    FROM next WHERE jobs.id = next.id
                    RETURNING jobs.id, jobs.tenant_id),
                turn AS (
                    INSERT INTO tenant_schedules (tenant_id, last_started_at) SELECT tenant_id, {now} FROM claimed
                    ON CONFLICT (tenant_id) DO UPDATE SET last_started_at = EXCLUDED.last_started_at)
                SELECT id AS "Value" FROM claimed
                """).ToListAsync(cancellationToken);
            job = claimed.FirstOrDefault() is { } id ? await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == id, cancellationToken) : null;
            recorded = job is not null && await outbox.RecordJobEventAsync(job, WebhookEventTypes.JobStarted, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (recorded)
        {
            webhookSignal.Notify();
        }

        return job;
    }
}
