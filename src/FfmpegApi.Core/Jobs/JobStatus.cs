namespace FfmpegApi.Core.Jobs;

/// <summary>Internal job states. On the wire <see cref="Running"/> is called "processing" (the original's name).</summary>
public enum JobStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,

    /// <summary>A batch job whose dependencies have not all completed; not claimable until they have.</summary>
    Waiting,

    /// <summary>Terminal: a batch job that never ran because a dependency failed, was cancelled or was skipped.</summary>
    Skipped,

    /// <summary>Terminal: a job that failed transiently (worker lost, storage error) on every one of its attempts.</summary>
    Dead,
}

/// <summary>
/// One row of the state machine: a named move, the states it may leave and the one it enters. Every state change in the
/// queue is one UPDATE guarded by its row's <see cref="From"/> (see <c>IJobQueue</c>), so the table is the guards.
/// </summary>
public sealed record JobTransition(string Name, IReadOnlyList<JobStatus> From, JobStatus To)
{
    /// <summary>A worker takes a queued job (and its lease).</summary>
    public static readonly JobTransition Claim = new("claim", [JobStatus.Queued], JobStatus.Running);

    public static readonly JobTransition Complete = new("complete", [JobStatus.Running], JobStatus.Completed);

    public static readonly JobTransition Fail = new("fail", [JobStatus.Running], JobStatus.Failed);

    /// <summary>A run ends cancelled (its worker stopped it on request).</summary>
    public static readonly JobTransition CancelRun = new("cancel_run", [JobStatus.Running], JobStatus.Cancelled);

    /// <summary>Out of attempts after transient failures or lost leases.</summary>
    public static readonly JobTransition Die = new("die", [JobStatus.Running], JobStatus.Dead);

    /// <summary>A lost lease (worker death), a transient failure with attempts left or a drain puts the job back in the queue.</summary>
    public static readonly JobTransition Requeue = new("requeue", [JobStatus.Running], JobStatus.Queued);

    /// <summary>Cancelled before it ran.</summary>
    public static readonly JobTransition CancelQueued = new("cancel_queued", [JobStatus.Queued, JobStatus.Waiting], JobStatus.Cancelled);

    /// <summary>A batch job whose dependencies all completed becomes claimable.</summary>
    public static readonly JobTransition Release = new("release", [JobStatus.Waiting], JobStatus.Queued);

    /// <summary>A batch job with a dependency that failed, was cancelled or skipped never runs.</summary>
    public static readonly JobTransition Skip = new("skip", [JobStatus.Waiting], JobStatus.Skipped);

    public static IReadOnlyList<JobTransition> All { get; } = [Claim, Complete, Fail, CancelRun, Die, Requeue, CancelQueued, Release, Skip];

    /// <summary>The state that holds a lease (renewals and progress writes are guarded by it and the owner).</summary>
    public const JobStatus Leased = JobStatus.Running;

    /// <summary>The row for a run that ends as <paramref name="status"/> (failed, cancelled or dead).</summary>
    public static JobTransition EndingAs(JobStatus status) => status switch
    {
        JobStatus.Completed => Complete,
        JobStatus.Failed => Fail,
        JobStatus.Cancelled => CancelRun,
        JobStatus.Dead => Die,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "A run can only end as completed, failed, dead or cancelled."),
    };
}

/// <summary>The legal transitions (<see cref="JobTransition.All"/>) and the wire names of the states.</summary>
public static class JobStateMachine
{
    public static bool IsTerminal(JobStatus status) => status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled or JobStatus.Skipped or JobStatus.Dead;

    /// <summary>Ended without a result: failed, dead (out of attempts), cancelled or skipped.</summary>
    public static bool IsUnsuccessful(JobStatus status) => IsTerminal(status) && status != JobStatus.Completed;

    /// <summary>Legal exactly when a row of <see cref="JobTransition.All"/> leaves <paramref name="from"/> for <paramref name="to"/>.</summary>
    public static bool CanTransition(JobStatus from, JobStatus to) => JobTransition.All.Any(t => t.To == to && t.From.Contains(from));

    public static string ToWire(JobStatus status) => status switch
    {
        JobStatus.Running => "processing",
        _ => status.ToString().ToLowerInvariant(),
    };

    public static JobStatus? FromWire(string value) => value.ToLowerInvariant() switch
    {
        "queued" or "pending" => JobStatus.Queued,
        "processing" or "running" => JobStatus.Running,
        "completed" => JobStatus.Completed,
        "failed" => JobStatus.Failed,
        "cancelled" or "canceled" => JobStatus.Cancelled,
        "waiting" => JobStatus.Waiting,
        "skipped" => JobStatus.Skipped,
        "dead" => JobStatus.Dead,
        _ => null,
    };
}
