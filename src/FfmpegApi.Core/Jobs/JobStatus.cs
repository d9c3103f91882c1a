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

/// <summary>The legal transitions, in one place. Every transition is one guarded UPDATE (see <c>JobQueue</c>).</summary>
public static class JobStateMachine
{
    public static bool IsTerminal(JobStatus status) => status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled or JobStatus.Skipped or JobStatus.Dead;

    /// <summary>Ended without a result: failed, dead (out of attempts), cancelled or skipped.</summary>
    public static bool IsUnsuccessful(JobStatus status) => IsTerminal(status) && status != JobStatus.Completed;

    public static bool CanTransition(JobStatus from, JobStatus to) => (from, to) switch
    {
        (JobStatus.Queued, JobStatus.Running) => true,
        (JobStatus.Queued, JobStatus.Cancelled) => true,
        (JobStatus.Waiting, JobStatus.Queued) => true,
        (JobStatus.Waiting, JobStatus.Cancelled) => true,
        (JobStatus.Waiting, JobStatus.Skipped) => true,
        (JobStatus.Running, JobStatus.Completed) => true,
        (JobStatus.Running, JobStatus.Failed) => true,
        (JobStatus.Running, JobStatus.Cancelled) => true,
        (JobStatus.Running, JobStatus.Dead) => true,
        // A lost lease (worker death), a transient failure with attempts left or a drain puts the job back in the queue.
        (JobStatus.Running, JobStatus.Queued) => true,
        _ => false,
    };

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
