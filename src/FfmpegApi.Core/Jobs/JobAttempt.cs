namespace FfmpegApi.Core.Jobs;

/// <summary>
/// One run of a job that ended: who ran it, when, and how it ended. Written in the transaction of the transition that
/// ended it, so <c>GET /jobs/{id}</c> shows every attempt of a retried or dead job.
/// </summary>
public sealed class JobAttempt
{
    public long Id { get; init; }

    public required string JobId { get; init; }

    /// <summary>The job's attempt counter during this run (a run handed back at shutdown is not counted, so the next run has the same number).</summary>
    public int Number { get; init; }

    /// <summary>The claim loop that ran it (<c>{host}:{pid}:{id}/{slot}</c>).</summary>
    public string? WorkerId { get; init; }

    public DateTime? StartedAt { get; init; }

    public DateTime EndedAt { get; init; }

    /// <summary>One of <see cref="AttemptOutcomes"/>.</summary>
    public required string Outcome { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>For a retried attempt: when the next one may start.</summary>
    public DateTime? RetryAt { get; init; }
}

/// <summary>How an attempt ended.</summary>
public static class AttemptOutcomes
{
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>Failed transiently; the job went back to the queue for another attempt after a backoff.</summary>
    public const string Retried = "retried";

    /// <summary>The worker stopped renewing its lease (died, hung or lost the database); the reaper took the job back.</summary>
    public const string Lost = "lost";

    /// <summary>Handed back by a draining worker (SIGTERM); not counted against the job's attempts.</summary>
    public const string Released = "released";

    /// <summary>Failed transiently on its last allowed attempt: the job is dead.</summary>
    public const string Dead = "dead";
}
