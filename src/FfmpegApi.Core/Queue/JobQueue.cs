using FfmpegApi.Core.Batches;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Queue;

/// <summary>The result of ending a run: what the guarded UPDATE found.</summary>
public enum TransitionResult
{
    Applied,
    NotInExpectedState,
}

/// <summary>
/// The jobs table as a queue. Every state change is one UPDATE guarded by the expected state (and, for a running
/// job, by the lease owner), so two actors can never both win a transition. A transition and the webhook events it
/// causes commit in one transaction (the outbox), so no event is lost and none announces a change that did not happen.
/// </summary>
public sealed partial class JobQueue(
    AppDbContext db,
    TimeProvider clock,
    IOptions<WorkerOptions> workerOptions,
    QueueSignal signal,
    WebhookOutbox outbox,
    WebhookSignal webhookSignal,
    BatchTracker batches,
    ProgressHub hub,
    RunningJobs running,
    IClusterBus cluster)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private TimeSpan Lease => TimeSpan.FromSeconds(workerOptions.Value.LeaseSeconds);

    public Task EnqueueAsync(Job job, CancellationToken cancellationToken) => EnqueueAsync([job], null, cancellationToken);

    /// <summary>
    /// Inserts jobs and their <c>job.queued</c> events in one transaction, together with <paramref name="alsoInTransaction"/>
    /// (an idempotency record, a batch row): all of it commits, or none. Waiting jobs (batch jobs with dependencies)
    /// get their <c>job.queued</c> when their dependencies complete.
    /// </summary>
    public async Task EnqueueAsync(IReadOnlyList<Job> jobs, Func<Task>? alsoInTransaction, CancellationToken cancellationToken)
    {
        var recorded = false;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            if (alsoInTransaction is not null)
            {
                await alsoInTransaction();
            }

            db.Jobs.AddRange(jobs);
            await db.SaveChangesAsync(cancellationToken);
            foreach (var job in jobs.Where(j => j.Status == JobStatus.Queued))
            {
                recorded |= await outbox.RecordJobEventAsync(job, WebhookEventTypes.JobQueued, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        signal.Notify();
        if (recorded)
        {
            webhookSignal.Notify();
        }
    }

    /// <summary>Extends the lease; false means this worker no longer owns the job and must stop.</summary>
    public async Task<bool> RenewLeaseAsync(string jobId, string workerId, CancellationToken cancellationToken)
    {
        var now = Now;
        var rows = await OwnedBy(jobId, workerId)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, now + Lease), cancellationToken);
        return rows == 1;
    }

    public Task<bool> IsCancelRequestedAsync(string jobId, CancellationToken cancellationToken) =>
        db.Jobs.AsNoTracking().Where(j => j.Id == jobId).Select(j => j.CancelRequested).FirstOrDefaultAsync(cancellationToken);

    /// <summary>
    /// Persists a progress reading; with <paramref name="announce"/>, also a <c>job.progress</c> event for those who asked
    /// for one. False when nothing was written: the job is no longer this worker's, or a cancel was requested (the
    /// update skips such a row, so a cancel from any process is noticed at the next progress write for free).
    /// </summary>
    public async Task<bool> UpdateProgressAsync(string jobId, string workerId, JobProgress progress, bool announce, CancellationToken cancellationToken)
    {
        var now = Now;
        var eventType = announce && await outbox.WantsProgressAsync(jobId, cancellationToken) ? WebhookEventTypes.JobProgress : null;
        return await TransitionAsync(jobId, eventType, () => OwnedBy(jobId, workerId).Where(j => !j.CancelRequested).ExecuteUpdateAsync(
            s => s.SetProperty(j => j.Progress, progress.Percent)
                .SetProperty(j => j.Stage, progress.Stage)
                .SetProperty(j => j.Fps, progress.Fps)
                .SetProperty(j => j.Speed, progress.Speed)
                .SetProperty(j => j.EtaSeconds, progress.EtaSeconds)
                .SetProperty(j => j.UpdatedAt, now),
            cancellationToken), cancellationToken);
    }

    public async Task<TransitionResult> CompleteAsync(string jobId, string workerId, JobProgress last, string outputJson, string? resultJson, string log, CancellationToken cancellationToken)
    {
        var now = Now;
        var applied = await TransitionAsync(jobId, WebhookEventTypes.JobCompleted, () => OwnedBy(jobId, workerId).ExecuteUpdateAsync(
            s => s.SetProperty(j => j.Status, JobStatus.Completed)
                .SetProperty(j => j.Fps, last.Fps)
                .SetProperty(j => j.Speed, last.Speed)
                .SetProperty(j => j.Progress, 100d)
                .SetProperty(j => j.Stage, "completed")
                .SetProperty(j => j.EtaSeconds, 0d)
                .SetProperty(j => j.CompletedAt, now)
                .SetProperty(j => j.UpdatedAt, now)
                .SetProperty(j => j.OutputJson, outputJson)
                .SetProperty(j => j.ResultJson, resultJson)
                .SetProperty(j => j.Log, log)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null),
            cancellationToken), cancellationToken);
        return applied ? TransitionResult.Applied : TransitionResult.NotInExpectedState;
    }

    /// <summary>Ends a running job as failed or cancelled.</summary>
    public async Task<TransitionResult> EndAsync(string jobId, string workerId, JobStatus status, string? errorCode, string? errorMessage, string log, CancellationToken cancellationToken)
    {
        if (!JobStateMachine.CanTransition(JobStatus.Running, status) || !JobStateMachine.IsTerminal(status))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A run can only end as completed, failed or cancelled.");
        }

        var now = Now;
        var applied = await TransitionAsync(jobId, EventOf(status), () => OwnedBy(jobId, workerId).ExecuteUpdateAsync(
            s => s.SetProperty(j => j.Status, status)
                .SetProperty(j => j.Stage, status == JobStatus.Cancelled ? "cancelled" : "failed")
                .SetProperty(j => j.EtaSeconds, (double?)null)
                .SetProperty(j => j.CompletedAt, now)
                .SetProperty(j => j.UpdatedAt, now)
                .SetProperty(j => j.ErrorCode, errorCode)
                .SetProperty(j => j.ErrorMessage, errorMessage)
                .SetProperty(j => j.Log, log)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null),
            cancellationToken), cancellationToken);
        return applied ? TransitionResult.Applied : TransitionResult.NotInExpectedState;
    }

    /// <summary>Gives a running job back to the queue (graceful shutdown of this worker).</summary>
    public async Task ReleaseAsync(string jobId, string workerId, CancellationToken cancellationToken)
    {
        var now = Now;
        await OwnedBy(jobId, workerId).ExecuteUpdateAsync(
            s => s.SetProperty(j => j.Status, JobStatus.Queued)
                .SetProperty(j => j.Stage, "queued")
                .SetProperty(j => j.Progress, (double?)null)
                .SetProperty(j => j.Attempts, j => j.Attempts - 1)
                .SetProperty(j => j.UpdatedAt, now)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null),
            cancellationToken);
    }

    public Task<bool> CancelQueuedAsync(string jobId, CancellationToken cancellationToken) =>
        CancelQueuedAsync(jobId, "Cancelled by request.", cancellationToken);

    /// <summary>
    /// Cancels a queued (or waiting) job outright and tells its followers (SSE, in every process). Returns false when
    /// it was no longer queued or waiting.
    /// </summary>
    public async Task<bool> CancelQueuedAsync(string jobId, string reason, CancellationToken cancellationToken)
    {
        var now = Now;
        var cancelled = await TransitionAsync(jobId, WebhookEventTypes.JobCancelled, () => db.Jobs.Where(j => j.Id == jobId && (j.Status == JobStatus.Queued || j.Status == JobStatus.Waiting)).ExecuteUpdateAsync(
            s => s.SetProperty(j => j.Status, JobStatus.Cancelled)
                .SetProperty(j => j.Stage, "cancelled")
                .SetProperty(j => j.CancelRequested, true)
                .SetProperty(j => j.CompletedAt, now)
                .SetProperty(j => j.UpdatedAt, now),
            cancellationToken), cancellationToken);
        if (cancelled)
        {
            hub.Publish(jobId, JobStatus.Cancelled, new JobProgress("cancelled", 0, null, null, null, null, null, null), now, null, reason);
        }

        return cancelled;
    }

    /// <summary>
    /// Flags a running job for cancellation. The run is stopped at once where it runs: in this process directly, in
    /// another through the cluster bus; it ends as cancelled by its worker.
    /// </summary>
    public async Task<bool> RequestCancelAsync(string jobId, CancellationToken cancellationToken)
    {
        var rows = await db.Jobs.Where(j => j.Id == jobId && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true), cancellationToken);
        if (rows == 1)
        {
            // Without the message another process notices the flag at its next progress write.
            running.TryStop(jobId, StopReason.Cancelled);
            cluster.Post(new ClusterMessage(ClusterMessage.Cancel, jobId));
        }

        return rows == 1;
    }

    /// <summary>
    /// Returns running jobs whose lease has expired (worker died) to the queue, or fails them once they have
    /// used all attempts. With <paramref name="allRunningExcept"/> set (embedded SQLite start, where no other
    /// process can hold a lease), every running job not owned by that worker is treated as orphaned.
    /// </summary>
    public async Task<int> ReapAsync(string? allRunningExcept, CancellationToken cancellationToken)
    {
        var now = Now;
        var orphans = db.Jobs.Where(j => j.Status == JobStatus.Running);
        orphans = allRunningExcept is null
            ? orphans.Where(j => j.LeaseExpiresAt < now)
            : orphans.Where(j => j.LeaseOwner == null || !j.LeaseOwner.StartsWith(allRunningExcept));

        var dead = 0;
        foreach (var id in await orphans.Where(j => j.Attempts >= j.MaxAttempts).Select(j => j.Id).ToListAsync(cancellationToken))
        {
            dead += await TransitionAsync(id, WebhookEventTypes.JobFailed, () => orphans.Where(j => j.Id == id && j.Attempts >= j.MaxAttempts).ExecuteUpdateAsync(
            s => s.SetProperty(j => j.Status, JobStatus.Failed)
                .SetProperty(j => j.Stage, "failed")
                .SetProperty(j => j.ErrorCode, "WORKER_LOST")
                .SetProperty(j => j.ErrorMessage, "The worker running this job stopped responding too many times.")
                .SetProperty(j => j.CompletedAt, now)
                .SetProperty(j => j.UpdatedAt, now)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null),
            cancellationToken), cancellationToken) ? 1 : 0;
        }

        var requeued = await orphans.Where(j => j.Attempts < j.MaxAttempts).ExecuteUpdateAsync(
            s => s.SetProperty(j => j.Status, JobStatus.Queued)
                .SetProperty(j => j.Stage, "queued")
                .SetProperty(j => j.Progress, (double?)null)
                .SetProperty(j => j.UpdatedAt, now)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null),
            cancellationToken);
        if (requeued > 0)
        {
            signal.Notify();
        }

        return dead + requeued;
    }

    private static string EventOf(JobStatus status) => status == JobStatus.Cancelled ? WebhookEventTypes.JobCancelled : WebhookEventTypes.JobFailed;

    /// <summary>
    /// Runs a guarded change and, when it applied (one row), writes the outbox rows for <paramref name="eventType"/> in
    /// the same transaction; a job's end also settles its batch (dependents queued or skipped, batch completion).
    /// Joins the caller's transaction when one is open.
    /// </summary>
    private async Task<bool> TransitionAsync(string jobId, string? eventType, Func<Task<int>> change, CancellationToken cancellationToken)
    {
        if (eventType is null)
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
            recorded = job is not null && await outbox.RecordJobEventAsync(job, eventType, cancellationToken);
            batch = job?.BatchId is { } batchId && WebhookEventTypes.IsTerminal(eventType) ? await batches.OnJobEndedAsync(batchId, cancellationToken) : BatchOutcome.None;
            if (own is not null)
            {
                await own.CommitAsync(cancellationToken);
            }

            if (!applied)
            {
                return false;
            }
        }

        if (recorded || batch.Recorded)
        {
            webhookSignal.Notify();
        }

        foreach (var settled in batch.Changes)
        {
            if (settled.Status == JobStatus.Skipped)
            {
                hub.Publish(settled.JobId, JobStatus.Skipped, new JobProgress("skipped", null, null, null, null, null, null, null), Now, BatchTracker.DependencyFailed, settled.Message);
            }
        }

        if (batch.Changes.Any(c => c.Status == JobStatus.Queued))
        {
            signal.Notify();
        }

        return true;
    }

    private IQueryable<Job> OwnedBy(string jobId, string workerId) =>
        db.Jobs.Where(j => j.Id == jobId && j.Status == JobStatus.Running && j.LeaseOwner == workerId);
}

/// <summary>A progress reading as persisted and broadcast.</summary>
public sealed record JobProgress(string Stage, double? Percent, double? Fps, double? Speed, double? EtaSeconds, double? BitrateKbps, long? SizeBytes, double? OutTimeSeconds);
