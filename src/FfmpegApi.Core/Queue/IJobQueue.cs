using FfmpegApi.Core.Jobs;

namespace FfmpegApi.Core.Queue;

/// <summary>
/// The jobs table as a queue: every state change is one UPDATE guarded by its row of the state machine (and, for a
/// running job, by the lease owner). Two implementations, chosen once at start-up by the database provider:
/// <see cref="SqliteJobQueue"/> (single node) and <see cref="PostgresJobQueue"/> (scale-out). The same tests
/// (<c>QueueTests</c>, <c>BatchClaimTests</c>, …) run against both: <c>make test</c> runs the suite on SQLite, then on
/// PostgreSQL.
/// </summary>
public interface IJobQueue
{
    /// <summary>
    /// Whether processes other than this one use the queue (PostgreSQL). A starting worker then leaves running jobs with
    /// valid leases alone; on an embedded queue every running job of another instance is an orphan.
    /// </summary>
    bool IsShared { get; }

    Task EnqueueAsync(Job job, CancellationToken cancellationToken);

    /// <summary>Inserts jobs and their <c>job.queued</c> events in one transaction with <paramref name="alsoInTransaction"/>.</summary>
    Task EnqueueAsync(IReadOnlyList<Job> jobs, Func<Task>? alsoInTransaction, CancellationToken cancellationToken);

    Task<Job?> ClaimAsync(string workerId, CancellationToken cancellationToken);

    Task<Job?> ClaimAsync(string workerId, WorkerCapability capabilities, CancellationToken cancellationToken);

    /// <summary>Claims up to one job per lease owner (a worker's free slots), in the order single claims would take them.</summary>
    Task<IReadOnlyList<Job>> ClaimManyAsync(IReadOnlyList<string> owners, WorkerCapability capabilities, CancellationToken cancellationToken);

    /// <summary>Extends the lease; false means this worker no longer owns the job and must stop.</summary>
    Task<bool> RenewLeaseAsync(string jobId, string workerId, CancellationToken cancellationToken);

    Task<bool> IsCancelRequestedAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>Persists a progress reading (and, with <paramref name="announce"/>, a <c>job.progress</c> event); false when no longer this worker's or cancelled.</summary>
    Task<bool> UpdateProgressAsync(string jobId, string workerId, JobProgress progress, bool announce, CancellationToken cancellationToken);

    Task<bool> CancelQueuedAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>Cancels a queued or waiting job outright; false when it was no longer either.</summary>
    Task<bool> CancelQueuedAsync(string jobId, string reason, CancellationToken cancellationToken);

    /// <summary>Flags a running job for cancellation and stops its run wherever it runs.</summary>
    Task<bool> RequestCancelAsync(string jobId, CancellationToken cancellationToken);

    Task<TransitionResult> CompleteAsync(string jobId, string workerId, JobProgress last, string outputJson, string? resultJson, string log, CancellationToken cancellationToken);

    /// <summary>Records completions (the result at each index says whether that one applied).</summary>
    Task<IReadOnlyList<TransitionResult>> CompleteManyAsync(IReadOnlyList<Completion> completions, CancellationToken cancellationToken);

    /// <summary>Ends a running job as failed, cancelled or dead.</summary>
    Task<TransitionResult> EndAsync(string jobId, string workerId, JobStatus status, string? errorCode, string? errorMessage, string log, CancellationToken cancellationToken);

    /// <summary>A transient failure: back to the queue after a backoff while attempts remain, else dead; null when no longer this worker's.</summary>
    Task<JobStatus?> FailTransientlyAsync(string jobId, string workerId, string errorCode, string errorMessage, string log, CancellationToken cancellationToken);

    /// <summary>Gives a running job back to the queue (a stopping worker); the attempt is not counted.</summary>
    Task ReleaseAsync(string jobId, string workerId, CancellationToken cancellationToken);

    /// <summary>Returns jobs whose lease expired to the queue (or ends them dead once out of attempts).</summary>
    Task<int> ReapAsync(string? allRunningExcept, CancellationToken cancellationToken);

    /// <summary>Resets each tenant's running count to its number of running jobs where they differ.</summary>
    Task<int> ReconcileTenantCountsAsync(CancellationToken cancellationToken);
}
