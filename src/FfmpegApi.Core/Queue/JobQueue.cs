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
public sealed partial class JobQueue(
    AppDbContext db,
    TimeProvider clock,
    IOptions<WorkerOptions> workerOptions,
    WebhookOutbox outbox,
    BatchTracker batches,
    RetryPolicy retryPolicy,
    IQueueEffects effects)
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
        return await TransitionAsync(jobId, eventType, () => Leased(jobId, workerId).Where(j => !j.CancelRequested).ExecuteUpdateAsync(
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
        var cancelled = await TransitionAsync(jobId, WebhookEventTypes.JobCancelled, () => db.Jobs.Movable(JobTransition.CancelQueued).Where(j => j.Id == jobId).ExecuteUpdateAsync(
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

    /// <summary>The job, while <paramref name="workerId"/> holds its lease (renewals, progress).</summary>
    private IQueryable<Job> Leased(string jobId, string workerId) =>
        db.Jobs.Where(j => j.Id == jobId && j.Status == JobTransition.Leased && j.LeaseOwner == workerId);

    /// <summary>The job, while <paramref name="transition"/> may move it and <paramref name="workerId"/> holds its lease.</summary>
    private IQueryable<Job> OwnedBy(string jobId, string workerId, JobTransition transition) =>
        db.Jobs.Movable(transition).Where(j => j.Id == jobId && j.LeaseOwner == workerId);
}

/// <summary>A progress reading as persisted and broadcast.</summary>
public sealed record JobProgress(string Stage, double? Percent, double? Fps, double? Speed, double? EtaSeconds, double? BitrateKbps, long? SizeBytes, double? OutTimeSeconds);
