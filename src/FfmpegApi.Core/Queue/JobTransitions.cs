using FfmpegApi.Core.Batches;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Queue;

/// <summary>
/// How a guarded change of a job row commits: the UPDATE and, when it applied (one row), in the same transaction the
/// attempt history row, the tenant's running count, the outbox rows of its event and its batch's settlement; then,
/// after the commit, its <see cref="QueueChange"/> goes to <see cref="IQueueEffects"/>. Shared by both queues.
/// </summary>
public sealed class JobTransitions(AppDbContext db, TimeProvider clock, IOptions<WorkerOptions> workerOptions, WebhookOutbox outbox, BatchTracker batches, IQueueEffects effects)
{
    /// <summary>Setters of a job that leaves running: no lease owner, no expiry.</summary>
    public static UpdateSettersBuilder<Job> Unleased(UpdateSettersBuilder<Job> s) =>
        s.SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null);

    /// <summary>Setters of a run that ends the job (failed, dead, cancelled) with an error.</summary>
    public static UpdateSettersBuilder<Job> Ended(UpdateSettersBuilder<Job> s, JobStatus status, DateTime now, string? code, string? message) =>
        Unleased(s).SetProperty(j => j.Status, status)
            .SetProperty(j => j.Stage, JobStateMachine.ToWire(status))
            .SetProperty(j => j.EtaSeconds, (double?)null)
            .SetProperty(j => j.CompletedAt, now)
            .SetProperty(j => j.UpdatedAt, now)
            .SetProperty(j => j.ErrorCode, code)
            .SetProperty(j => j.ErrorMessage, message);

    /// <summary>Setters of a run that puts the job back in the queue, claimable from <paramref name="runAfter"/> (null: at once).</summary>
    public static UpdateSettersBuilder<Job> Requeued(UpdateSettersBuilder<Job> s, string stage, DateTime now, DateTime? runAfter) =>
        Unleased(s).SetProperty(j => j.Status, JobTransition.Requeue.To)
            .SetProperty(j => j.Stage, stage)
            .SetProperty(j => j.Progress, (double?)null)
            .SetProperty(j => j.EtaSeconds, (double?)null)
            .SetProperty(j => j.RunAfter, runAfter)
            .SetProperty(j => j.UpdatedAt, now);

    public static string EventOf(JobStatus status) => status == JobStatus.Cancelled ? WebhookEventTypes.JobCancelled : WebhookEventTypes.JobFailed;

    public Task<bool> RunAsync(string jobId, string? eventType, Func<Task<int>> change, CancellationToken cancellationToken) =>
        RunAsync(jobId, new Effects(eventType), change, cancellationToken);

    /// <summary>
    /// Runs a guarded change and, when it applied (one row), in the same transaction: writes the outbox rows for the
    /// event, the attempt history row, lowers the tenant's running count when the job left running, and settles the
    /// job's batch when it ended. Joins the caller's transaction when one is open.
    /// </summary>
    public async Task<bool> RunAsync(string jobId, Effects what, Func<Task<int>> change, CancellationToken cancellationToken)
    {
        if (what is { EventType: null, LeavesRunning: false, Attempt: null })
        {
            return await change() == 1;
        }

        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        BatchOutcome batch;
        bool recorded;
        await using (own)
        {
            var applied = await change() == 1;

            // Read once, after the change: the event shows the new state, and the row says whether a batch is involved.
            var job = applied ? await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == jobId, cancellationToken) : null;
            if (job is not null && what.LeavesRunning && workerOptions.Value.TenantConcurrency > 0)
            {
                await db.TenantSchedules.Where(t => t.TenantId == job.TenantId && t.Running > 0)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.Running, t => t.Running - 1), cancellationToken);
            }

            if (job is not null && what.Attempt is { } attempt)
            {
                db.JobAttempts.Add(new JobAttempt
                {
                    JobId = jobId,
                    // A hand-back gave its attempt back: the run had the number the next one will have.
                    Number = attempt.Number ?? (attempt.Outcome == AttemptOutcomes.Released ? job.Attempts + 1 : job.Attempts),
                    WorkerId = attempt.WorkerId,
                    StartedAt = job.StartedAt,
                    EndedAt = clock.GetUtcNow().UtcDateTime,
                    Outcome = attempt.Outcome,
                    ErrorCode = attempt.ErrorCode,
                    ErrorMessage = attempt.ErrorMessage,
                    RetryAt = attempt.RetryAt,
                });
            }

            // The outbox saves the attempt row with its own (one batch); without events, save here.
            recorded = job is not null && what.EventType is { } eventType && await outbox.RecordJobEventAsync(job, eventType, cancellationToken);
            if (db.ChangeTracker.HasChanges())
            {
                await db.SaveChangesAsync(cancellationToken);
            }

            db.ChangeTracker.Clear();
            batch = job?.BatchId is { } batchId && what.EventType is { } ended && WebhookEventTypes.IsTerminal(ended) ? await batches.OnJobEndedAsync(batchId, cancellationToken) : BatchOutcome.None;
            if (own is not null)
            {
                await own.CommitAsync(cancellationToken);
            }

            if (!applied)
            {
                return false;
            }
        }

        effects.Apply(Announced(recorded, [batch], what.LeavesRunning));
        return true;
    }

    /// <summary>
    /// What a committed transition means elsewhere: events to send (its own, its batch's), followers of jobs its batch
    /// skipped to tell, and work for the workers when its batch queued jobs or a run ended under a tenant concurrency
    /// limit (a freed slot of a tenant at its limit lets a worker claim that tenant's next job).
    /// </summary>
    public QueueChange Announced(bool recorded, IReadOnlyCollection<BatchOutcome> settled, bool leftRunning) => new()
    {
        EventsRecorded = recorded || settled.Any(b => b.Recorded),
        Announcements = [.. settled.SelectMany(b => b.Changes).Where(c => c.Status == JobStatus.Skipped)
            .Select(c => new JobAnnouncement(c.JobId, JobStatus.Skipped, new JobProgress("skipped", null, null, null, null, null, null, null), clock.GetUtcNow().UtcDateTime, BatchTracker.DependencyFailed, c.Message))],
        WorkAvailable = settled.Any(b => b.Changes.Any(c => c.Status == JobStatus.Queued)) || (leftRunning && workerOptions.Value.TenantConcurrency > 0),
    };

    /// <summary>What a transition does besides its UPDATE.</summary>
    public sealed record Effects(string? EventType, bool LeavesRunning = false, AttemptEnd? Attempt = null);
}
