using FfmpegApi.Core.Batches;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

namespace FfmpegApi.Core.Queue;

/// <summary>How a run ended, for the job's attempt history; a null number is read from the row the transition leaves.</summary>
public sealed record AttemptEnd(int? Number, string? WorkerId, string Outcome, string? ErrorCode = null, string? ErrorMessage = null, DateTime? RetryAt = null);

/// <summary>
/// Ending runs: completion, failure, cancellation, retry after a transient failure (or death once out of attempts),
/// hand-back at shutdown and the reaping of lost leases. Each is one guarded UPDATE; the attempt history row, the
/// tenant's running count, the webhook events and the batch settlement commit in the same transaction.
/// </summary>
public sealed partial class JobQueue
{
    /// <summary>Ends a running job as failed, cancelled or dead.</summary>
    public async Task<TransitionResult> EndAsync(string jobId, string workerId, JobStatus status, string? errorCode, string? errorMessage, string log, CancellationToken cancellationToken)
    {
        if (status == JobStatus.Completed)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "Completions go through CompleteAsync (they carry the output).");
        }

        var transition = JobTransition.EndingAs(status);

        var now = Now;
        var outcome = status switch
        {
            JobStatus.Cancelled => AttemptOutcomes.Cancelled,
            JobStatus.Dead => AttemptOutcomes.Dead,
            _ => AttemptOutcomes.Failed,
        };
        var attempt = new AttemptEnd(null, workerId, outcome, errorCode, errorMessage);
        var applied = await TransitionAsync(jobId, new Effects(EventOf(status), true, attempt), () => OwnedBy(jobId, workerId, transition).ExecuteUpdateAsync(
            s => Ended(s, transition.To, now, errorCode, errorMessage).SetProperty(j => j.Log, log),
            cancellationToken), cancellationToken);
        return applied ? TransitionResult.Applied : TransitionResult.NotInExpectedState;
    }

    /// <summary>
    /// A transient failure (storage error, stalled or killed ffmpeg): back to the queue after a backoff with jitter while
    /// attempts remain, otherwise dead. Returns the job's new state, or null when the job was no longer this worker's.
    /// </summary>
    public async Task<JobStatus?> FailTransientlyAsync(string jobId, string workerId, string errorCode, string errorMessage, string log, CancellationToken cancellationToken)
    {
        var row = await Leased(jobId, workerId).Select(j => new { j.Attempts, j.MaxAttempts }).FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return null;
        }

        if (row.Attempts >= row.MaxAttempts)
        {
            var message = $"{errorMessage} (gave up after {row.Attempts} attempt{(row.Attempts == 1 ? string.Empty : "s")})";
            return await EndAsync(jobId, workerId, JobStatus.Dead, errorCode, message, log, cancellationToken) == TransitionResult.Applied ? JobStatus.Dead : null;
        }

        var now = Now;
        var retryAt = now + retryPolicy.Delay(row.Attempts);
        var attempt = new AttemptEnd(row.Attempts, workerId, AttemptOutcomes.Retried, errorCode, errorMessage, retryAt);
        var applied = await TransitionAsync(jobId, new Effects(null, true, attempt), () => OwnedBy(jobId, workerId, JobTransition.Requeue).ExecuteUpdateAsync(
            s => Requeued(s, "retry_scheduled", now, retryAt)
                .SetProperty(j => j.ErrorCode, errorCode)
                .SetProperty(j => j.ErrorMessage, errorMessage)
                .SetProperty(j => j.Log, log),
            cancellationToken), cancellationToken);
        if (!applied)
        {
            return null;
        }

        effects.Apply(new QueueChange { WorkAvailableAfter = retryAt - now });
        return JobStatus.Queued;
    }

    /// <summary>Gives a running job back to the queue (graceful shutdown of this worker); the attempt is not counted.</summary>
    public async Task ReleaseAsync(string jobId, string workerId, CancellationToken cancellationToken)
    {
        var now = Now;
        var attempt = new AttemptEnd(null, workerId, AttemptOutcomes.Released, null, "Handed back by a stopping worker.");
        await TransitionAsync(jobId, new Effects(null, true, attempt), () => OwnedBy(jobId, workerId, JobTransition.Requeue).ExecuteUpdateAsync(
            s => Requeued(s, "queued", now, null).SetProperty(j => j.Attempts, j => j.Attempts - 1),
            cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Returns running jobs whose lease has expired (worker died, hung or lost the database) to the queue after a
    /// backoff, or ends them dead once they have used all attempts. With <paramref name="allRunningExcept"/> set
    /// (embedded SQLite start, where no other process can hold a lease), every running job not owned by that worker
    /// is treated as orphaned. Each job moves with its own guarded UPDATE, so a worker that renews at the last moment
    /// keeps its job.
    /// </summary>
    public async Task<int> ReapAsync(string? allRunningExcept, CancellationToken cancellationToken)
    {
        var now = Now;
        // Both ways out (requeue, die) leave the leased state.
        var orphans = db.Jobs.Movable(JobTransition.Requeue);
        orphans = allRunningExcept is null
            ? orphans.Where(j => j.LeaseExpiresAt < now)
            : orphans.Where(j => j.LeaseOwner == null || !j.LeaseOwner.StartsWith(allRunningExcept));

        var moved = 0;
        var change = QueueChange.None;
        void Count(bool applied, string outcome)
        {
            if (applied)
            {
                moved++;
                change = change.And(new QueueChange { EndedOutcomes = [outcome] });
            }
        }

        foreach (var orphan in await orphans.Select(j => new { j.Id, j.Attempts, j.MaxAttempts, j.LeaseOwner }).ToListAsync(cancellationToken))
        {
            var owned = orphans.Where(j => j.Id == orphan.Id && j.LeaseOwner == orphan.LeaseOwner && j.Attempts == orphan.Attempts);
            const string code = "WORKER_LOST";
            if (orphan.Attempts >= orphan.MaxAttempts)
            {
                var message = $"The worker running this job stopped responding on each of its {orphan.Attempts} attempts.";
                var attempt = new AttemptEnd(orphan.Attempts, orphan.LeaseOwner, AttemptOutcomes.Dead, code, message);
                var ended = await TransitionAsync(orphan.Id, new Effects(WebhookEventTypes.JobFailed, true, attempt), () => owned.ExecuteUpdateAsync(
                    s => Ended(s, JobTransition.Die.To, now, code, message),
                    cancellationToken), cancellationToken);
                Count(ended, "dead");
            }
            else
            {
                var retryAt = now + retryPolicy.Delay(orphan.Attempts);
                var attempt = new AttemptEnd(orphan.Attempts, orphan.LeaseOwner, AttemptOutcomes.Lost, code, "The worker stopped renewing its lease.", retryAt);
                var requeued = await TransitionAsync(orphan.Id, new Effects(null, true, attempt), () => owned.ExecuteUpdateAsync(
                    s => Requeued(s, "retry_scheduled", now, retryAt),
                    cancellationToken), cancellationToken);
                Count(requeued, "lost");
                change = change.And(new QueueChange { WorkAvailableAfter = retryAt - now });
            }
        }

        effects.Apply(change);
        return moved;
    }

    /// <summary>Setters of a job that leaves running: no lease owner, no expiry.</summary>
    private static UpdateSettersBuilder<Job> Unleased(UpdateSettersBuilder<Job> s) =>
        s.SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null);

    /// <summary>Setters of a run that ends the job (failed, dead, cancelled) with an error.</summary>
    private static UpdateSettersBuilder<Job> Ended(UpdateSettersBuilder<Job> s, JobStatus status, DateTime now, string? code, string? message) =>
        Unleased(s).SetProperty(j => j.Status, status)
            .SetProperty(j => j.Stage, JobStateMachine.ToWire(status))
            .SetProperty(j => j.EtaSeconds, (double?)null)
            .SetProperty(j => j.CompletedAt, now)
            .SetProperty(j => j.UpdatedAt, now)
            .SetProperty(j => j.ErrorCode, code)
            .SetProperty(j => j.ErrorMessage, message);

    /// <summary>Setters of a run that puts the job back in the queue, claimable from <paramref name="runAfter"/> (null: at once).</summary>
    private static UpdateSettersBuilder<Job> Requeued(UpdateSettersBuilder<Job> s, string stage, DateTime now, DateTime? runAfter) =>
        Unleased(s).SetProperty(j => j.Status, JobTransition.Requeue.To)
            .SetProperty(j => j.Stage, stage)
            .SetProperty(j => j.Progress, (double?)null)
            .SetProperty(j => j.EtaSeconds, (double?)null)
            .SetProperty(j => j.RunAfter, runAfter)
            .SetProperty(j => j.UpdatedAt, now);

    private static string EventOf(JobStatus status) => status == JobStatus.Cancelled ? WebhookEventTypes.JobCancelled : WebhookEventTypes.JobFailed;

    private Task<bool> TransitionAsync(string jobId, string? eventType, Func<Task<int>> change, CancellationToken cancellationToken) =>
        TransitionAsync(jobId, new Effects(eventType), change, cancellationToken);

    /// <summary>
    /// Runs a guarded change and, when it applied (one row), in the same transaction: writes the outbox rows for the
    /// event, the attempt history row, lowers the tenant's running count when the job left running, and settles the
    /// job's batch when it ended. Joins the caller's transaction when one is open.
    /// </summary>
    private async Task<bool> TransitionAsync(string jobId, Effects what, Func<Task<int>> change, CancellationToken cancellationToken)
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
                    EndedAt = Now,
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
    private QueueChange Announced(bool recorded, IReadOnlyCollection<BatchOutcome> settled, bool leftRunning) => new()
    {
        EventsRecorded = recorded || settled.Any(b => b.Recorded),
        Announcements = [.. settled.SelectMany(b => b.Changes).Where(c => c.Status == JobStatus.Skipped)
            .Select(c => new JobAnnouncement(c.JobId, JobStatus.Skipped, new JobProgress("skipped", null, null, null, null, null, null, null), Now, BatchTracker.DependencyFailed, c.Message))],
        WorkAvailable = settled.Any(b => b.Changes.Any(c => c.Status == JobStatus.Queued)) || (leftRunning && workerOptions.Value.TenantConcurrency > 0),
    };

    /// <summary>What a transition does besides its UPDATE.</summary>
    private sealed record Effects(string? EventType, bool LeavesRunning = false, AttemptEnd? Attempt = null);
}
