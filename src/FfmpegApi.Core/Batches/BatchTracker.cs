using System.Text.Json;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Batches;

/// <summary>A state a batch job was moved to because another job of its batch ended.</summary>
public sealed record BatchChange(string JobId, JobStatus Status, string? Message);

/// <summary>What one job outcome caused in its batch: dependents queued or skipped, and whether events were written.</summary>
public sealed record BatchOutcome(IReadOnlyList<BatchChange> Changes, bool Recorded)
{
    public static readonly BatchOutcome None = new([], false);
}

/// <summary>
/// Dependencies inside a batch. When a job ends, in the same transaction as its outcome: waiting dependents whose
/// dependencies have all completed are queued; those with a failed, cancelled or skipped dependency are skipped
/// (transitively); and when every job is terminal, the batch is completed and <c>batch.completed</c> is written.
/// </summary>
public sealed class BatchTracker(AppDbContext db, TimeProvider clock, WebhookOutbox outbox)
{
    public const string DependencyFailed = "DEPENDENCY_FAILED";

    /// <summary>Settles batch <paramref name="batchId"/> after one of its jobs ended (called in that job's transaction).</summary>
    public async Task<BatchOutcome> OnJobEndedAsync(string batchId, CancellationToken cancellationToken)
    {
        // Touching the batch row serializes concurrent outcomes in one batch (a row lock on PostgreSQL; SQLite already
        // holds its write lock), so of two parallel dependencies the one that finishes last sees the other's result.
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Batches.Where(b => b.Id == batchId).ExecuteUpdateAsync(s => s.SetProperty(b => b.UpdatedAt, now), cancellationToken);
        var jobs = await db.Jobs.AsNoTracking().Where(j => j.BatchId == batchId).OrderBy(j => j.BatchIndex).ToListAsync(cancellationToken);
        var status = jobs.ToDictionary(j => j.Id, j => j.Status, StringComparer.Ordinal);
        var index = jobs.ToDictionary(j => j.Id, j => j.BatchIndex ?? 0, StringComparer.Ordinal);
        var changes = new List<BatchChange>();
        var recorded = false;

        // Dependencies always point to earlier jobs, so one pass in index order settles every chain.
        foreach (var job in jobs.Where(j => j.Status == JobStatus.Waiting))
        {
            var dependencies = job.DependencyIds;
            var blocker = dependencies.FirstOrDefault(d => status.GetValueOrDefault(d) is { } s && JobStateMachine.IsUnsuccessful(s));
            if (blocker is not null)
            {
                var message = $"Not run: job {index[blocker]} of its batch ({blocker}) ended {JobStateMachine.ToWire(status[blocker])}.";
                if (await SkipAsync(job.Id, message, now, cancellationToken))
                {
                    status[job.Id] = JobStatus.Skipped;
                    changes.Add(new BatchChange(job.Id, JobStatus.Skipped, message));
                    recorded |= await outbox.RecordJobEventAsync(job.Id, WebhookEventTypes.JobSkipped, cancellationToken);
                }
            }
            else if (dependencies.All(d => status.GetValueOrDefault(d) == JobStatus.Completed) && await QueueAsync(job.Id, now, cancellationToken))
            {
                status[job.Id] = JobStatus.Queued;
                changes.Add(new BatchChange(job.Id, JobStatus.Queued, null));
                recorded |= await outbox.RecordJobEventAsync(job.Id, WebhookEventTypes.JobQueued, cancellationToken);
            }
        }

        if (status.Values.All(JobStateMachine.IsTerminal)
            && await db.Batches.Where(b => b.Id == batchId && b.CompletedAt == null).ExecuteUpdateAsync(s => s.SetProperty(b => b.CompletedAt, now), cancellationToken) == 1)
        {
            var batch = await db.Batches.AsNoTracking().FirstAsync(b => b.Id == batchId, cancellationToken);
            var summary = JsonSerializer.SerializeToNode(BatchSummary.From(batch, jobs, status), JsonDefaults.Options)!;
            recorded |= await outbox.RecordBatchEventAsync(batch.TenantId, batch.Id, summary, cancellationToken);
        }

        return new BatchOutcome(changes, recorded);
    }

    /// <summary>A batch and its jobs as the tenant sees them (admins: any tenant), or null.</summary>
    public async Task<(Batch Batch, IReadOnlyList<Job> Jobs)?> FindAsync(string batchId, string? tenantId, CancellationToken cancellationToken)
    {
        var batch = await db.Batches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == batchId && (tenantId == null || b.TenantId == tenantId), cancellationToken);
        if (batch is null)
        {
            return null;
        }

        var jobs = await db.Jobs.AsNoTracking().Where(j => j.BatchId == batchId).OrderBy(j => j.BatchIndex).ToListAsync(cancellationToken);
        return (batch, jobs);
    }

    private async Task<bool> SkipAsync(string jobId, string message, DateTime now, CancellationToken cancellationToken) =>
        await db.Jobs.Movable(JobTransition.Skip).Where(j => j.Id == jobId).ExecuteUpdateAsync(
            s => s.SetProperty(j => j.Status, JobTransition.Skip.To)
                .SetProperty(j => j.Stage, "skipped")
                .SetProperty(j => j.ErrorCode, DependencyFailed)
                .SetProperty(j => j.ErrorMessage, message)
                .SetProperty(j => j.CompletedAt, now)
                .SetProperty(j => j.UpdatedAt, now),
            cancellationToken) == 1;

    private async Task<bool> QueueAsync(string jobId, DateTime now, CancellationToken cancellationToken) =>
        await db.Jobs.Movable(JobTransition.Release).Where(j => j.Id == jobId).ExecuteUpdateAsync(
            s => s.SetProperty(j => j.Status, JobTransition.Release.To)
                .SetProperty(j => j.Stage, "queued")
                .SetProperty(j => j.UpdatedAt, now),
            cancellationToken) == 1;
}
