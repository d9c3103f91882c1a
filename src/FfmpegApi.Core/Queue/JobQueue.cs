using FfmpegApi.Core.Batches;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
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
/// What a committed transition means elsewhere (SSE, signals, the cluster bus, metrics) is a <see cref="QueueChange"/>
/// handed to <see cref="IQueueEffects"/> after the commit.
/// </summary>
public abstract class JobQueue(
    AppDbContext db,
    TimeProvider clock,
    IOptions<WorkerOptions> workerOptions,
    WebhookOutbox outbox,
    BatchTracker batches,
    JobTransitions transitions,
    RetryPolicy retryPolicy,
    IQueueEffects effects) : IJobQueue
{
    public abstract bool IsShared { get; }

    protected AppDbContext Db => db;

    protected WorkerOptions Options => workerOptions.Value;

    protected WebhookOutbox Outbox => outbox;

    protected BatchTracker Batches => batches;

    protected JobTransitions Transitions => transitions;

    protected IQueueEffects Effects => effects;

    protected DateTime Now => clock.GetUtcNow().UtcDateTime;

    protected TimeSpan Lease => TimeSpan.FromSeconds(workerOptions.Value.LeaseSeconds);

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

        effects.Apply(new QueueChange { WorkAvailable = true, EventsRecorded = recorded });
    }

    /// <summary>Extends the lease; false means this worker no longer owns the job and must stop.</summary>
    public async Task<bool> RenewLeaseAsync(string jobId, string workerId, CancellationToken cancellationToken)
    {
        var now = Now;
        var rows = await Leased(jobId, workerId)
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
        return await transitions.RunAsync(jobId, eventType, () => Leased(jobId, workerId).Where(j => !j.CancelRequested).ExecuteUpdateAsync(
            s => s.SetProperty(j => j.Progress, progress.Percent)
                .SetProperty(j => j.Stage, progress.Stage)
                .SetProperty(j => j.Fps, progress.Fps)
                .SetProperty(j => j.Speed, progress.Speed)
                .SetProperty(j => j.EtaSeconds, progress.EtaSeconds)
                .SetProperty(j => j.UpdatedAt, now),
            cancellationToken), cancellationToken);
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
        var cancelled = await transitions.RunAsync(jobId, WebhookEventTypes.JobCancelled, () => db.Jobs.Movable(JobTransition.CancelQueued).Where(j => j.Id == jobId).ExecuteUpdateAsync(
            s => s.SetProperty(j => j.Status, JobTransition.CancelQueued.To)
                .SetProperty(j => j.Stage, "cancelled")
                .SetProperty(j => j.CancelRequested, true)
                .SetProperty(j => j.CompletedAt, now)
                .SetProperty(j => j.UpdatedAt, now),
            cancellationToken), cancellationToken);
        if (cancelled)
        {
            effects.Apply(new QueueChange { Announcements = [new JobAnnouncement(jobId, JobStatus.Cancelled, new JobProgress("cancelled", 0, null, null, null, null, null, null), now, null, reason)] });
        }

        return cancelled;
    }

    /// <summary>
    /// Flags a running job for cancellation. The run is stopped at once where it runs: in this process directly, in
    /// another through the cluster bus; it ends as cancelled by its worker.
    /// </summary>
    public async Task<bool> RequestCancelAsync(string jobId, CancellationToken cancellationToken)
    {
        var rows = await db.Jobs.Where(j => j.Id == jobId && j.Status == JobTransition.Leased)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true), cancellationToken);
        if (rows == 1)
        {
            effects.Apply(new QueueChange { StopRun = jobId });
        }

        return rows == 1;
    }

    /// <summary>Claims the next job that needs nothing beyond plain ffmpeg.</summary>
    public Task<Job?> ClaimAsync(string workerId, CancellationToken cancellationToken) =>
        ClaimAsync(workerId, WorkerCapability.None, cancellationToken);

    /// <summary>Claims the next job this worker can run (see <see cref="ClaimManyAsync"/>).</summary>
    public async Task<Job?> ClaimAsync(string workerId, WorkerCapability capabilities, CancellationToken cancellationToken) =>
        await ClaimManyAsync([workerId], capabilities, cancellationToken) is [var job, ..] ? job : null;

    /// <summary>
    /// Claims up to one job per lease owner in <paramref name="owners"/> (a worker's free slots): queued, past its retry
    /// time, needing only <paramref name="capabilities"/> the worker has, of a tenant under <c>Worker:TenantConcurrency</c>.
    /// The jobs come in the order single claims would take them: by priority, then round-robin between tenants (each
    /// tenant's oldest job, then each tenant's second, ...), least recently served tenant first.
    /// </summary>
    public abstract Task<IReadOnlyList<Job>> ClaimManyAsync(IReadOnlyList<string> owners, WorkerCapability capabilities, CancellationToken cancellationToken);

    public async Task<TransitionResult> CompleteAsync(string jobId, string workerId, JobProgress last, string outputJson, string? resultJson, string log, CancellationToken cancellationToken) =>
        (await CompleteManyAsync([new Completion(jobId, workerId, last, outputJson, resultJson, log)], cancellationToken))[0];

    /// <summary>Records <paramref name="completions"/>; the result at each index says whether that one applied.</summary>
    public abstract Task<IReadOnlyList<TransitionResult>> CompleteManyAsync(IReadOnlyList<Completion> completions, CancellationToken cancellationToken);

    protected List<Job> Counted(List<Job> claimed)
    {
        effects.Apply(new QueueChange { Claimed = claimed.Count });

        return claimed;
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
        await LockTenantsAsync(cancellationToken);

        var fixedRows = await db.TenantSchedules
            .Where(t => t.Running != db.Jobs.Count(j => j.TenantId == t.TenantId && j.Status == JobStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Running, t => db.Jobs.Count(j => j.TenantId == t.TenantId && j.Status == JobStatus.Running)), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return fixedRows;
    }

    /// <summary>Holds the tenant rows for the reconciliation (PostgreSQL locks them; SQLite's write lock already does).</summary>
    protected virtual Task LockTenantsAsync(CancellationToken cancellationToken) => Task.CompletedTask;
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
        var applied = await transitions.RunAsync(jobId, new JobTransitions.Effects(JobTransitions.EventOf(status), true, attempt), () => OwnedBy(jobId, workerId, transition).ExecuteUpdateAsync(
            s => JobTransitions.Ended(s, transition.To, now, errorCode, errorMessage).SetProperty(j => j.Log, log),
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
        var applied = await transitions.RunAsync(jobId, new JobTransitions.Effects(null, true, attempt), () => OwnedBy(jobId, workerId, JobTransition.Requeue).ExecuteUpdateAsync(
            s => JobTransitions.Requeued(s, "retry_scheduled", now, retryAt)
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
        await transitions.RunAsync(jobId, new JobTransitions.Effects(null, true, attempt), () => OwnedBy(jobId, workerId, JobTransition.Requeue).ExecuteUpdateAsync(
            s => JobTransitions.Requeued(s, "queued", now, null).SetProperty(j => j.Attempts, j => j.Attempts - 1),
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
                var ended = await transitions.RunAsync(orphan.Id, new JobTransitions.Effects(WebhookEventTypes.JobFailed, true, attempt), () => owned.ExecuteUpdateAsync(
                    s => JobTransitions.Ended(s, JobTransition.Die.To, now, code, message),
                    cancellationToken), cancellationToken);
                Count(ended, "dead");
            }
            else
            {
                var retryAt = now + retryPolicy.Delay(orphan.Attempts);
                var attempt = new AttemptEnd(orphan.Attempts, orphan.LeaseOwner, AttemptOutcomes.Lost, code, "The worker stopped renewing its lease.", retryAt);
                var requeued = await transitions.RunAsync(orphan.Id, new JobTransitions.Effects(null, true, attempt), () => owned.ExecuteUpdateAsync(
                    s => JobTransitions.Requeued(s, "retry_scheduled", now, retryAt),
                    cancellationToken), cancellationToken);
                Count(requeued, "lost");
                change = change.And(new QueueChange { WorkAvailableAfter = retryAt - now });
            }
        }

        effects.Apply(change);
        return moved;
    }

    /// <summary>The job, while <paramref name="workerId"/> holds its lease (renewals, progress).</summary>
    private IQueryable<Job> Leased(string jobId, string workerId) =>
        db.Jobs.Where(j => j.Id == jobId && j.Status == JobTransition.Leased && j.LeaseOwner == workerId);

    /// <summary>The job, while <paramref name="transition"/> may move it and <paramref name="workerId"/> holds its lease.</summary>
    protected IQueryable<Job> OwnedBy(string jobId, string workerId, JobTransition transition) =>
        db.Jobs.Movable(transition).Where(j => j.Id == jobId && j.LeaseOwner == workerId);
}

/// <summary>A progress reading as persisted and broadcast.</summary>
public sealed record JobProgress(string Stage, double? Percent, double? Fps, double? Speed, double? EtaSeconds, double? BitrateKbps, long? SizeBytes, double? OutTimeSeconds);
