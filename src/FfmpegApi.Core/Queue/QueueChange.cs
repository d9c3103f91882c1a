using FfmpegApi.Core.Jobs;

namespace FfmpegApi.Core.Queue;

/// <summary>
/// What a committed queue transition means for the rest of the service: webhook events to send, work for the
/// workers (now or later), job states to announce to followers, a run to stop, outcomes to count. The queue returns
/// this from its transactions and hands it to <see cref="IQueueEffects"/> only after the commit, so nothing is
/// announced that did not happen, and the queue itself knows nothing of SSE, signals, the cluster bus or metrics.
/// </summary>
public sealed record QueueChange
{
    public static QueueChange None { get; } = new();

    /// <summary>Outbox rows were written: the webhook dispatcher has work.</summary>
    public bool EventsRecorded { get; init; }

    /// <summary>A job became claimable now (enqueued, queued by its batch, a tenant slot freed).</summary>
    public bool WorkAvailable { get; init; }

    /// <summary>A job becomes claimable after this delay (a retry's backoff).</summary>
    public TimeSpan? WorkAvailableAfter { get; init; }

    /// <summary>Job states to tell the job's followers (SSE), in every process.</summary>
    public IReadOnlyList<JobAnnouncement> Announcements { get; init; } = [];

    /// <summary>A running job whose run must stop (a cancel), wherever it runs.</summary>
    public string? StopRun { get; init; }

    /// <summary>Runs the queue itself ended (the reaper), by outcome, for the job counters.</summary>
    public IReadOnlyList<string> EndedOutcomes { get; init; } = [];

    /// <summary>Jobs one claim took (recorded when above zero).</summary>
    public int Claimed { get; init; }

    public bool IsNone => !EventsRecorded && !WorkAvailable && WorkAvailableAfter is null && Announcements.Count == 0 && StopRun is null && EndedOutcomes.Count == 0 && Claimed == 0;

    /// <summary>Both changes (several transitions of one operation).</summary>
    public QueueChange And(QueueChange other) => new()
    {
        EventsRecorded = EventsRecorded || other.EventsRecorded,
        WorkAvailable = WorkAvailable || other.WorkAvailable,
        WorkAvailableAfter = (WorkAvailableAfter, other.WorkAvailableAfter) switch
        {
            ({ } a, { } b) => a < b ? a : b,
            (var a, var b) => a ?? b,
        },
        Announcements = [.. Announcements, .. other.Announcements],
        StopRun = StopRun ?? other.StopRun,
        EndedOutcomes = [.. EndedOutcomes, .. other.EndedOutcomes],
        Claimed = Claimed + other.Claimed,
    };
}

/// <summary>A job state for its followers: the status, the progress shown with it, and why it ended (if it did).</summary>
public sealed record JobAnnouncement(string JobId, JobStatus Status, JobProgress Progress, DateTime ObservedAt, string? ErrorCode = null, string? Message = null);

/// <summary>Applies a committed <see cref="QueueChange"/> (SSE hub, queue and webhook signals, cluster bus, metrics).</summary>
public interface IQueueEffects
{
    void Apply(QueueChange change);
}
