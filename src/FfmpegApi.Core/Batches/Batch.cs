using FfmpegApi.Core.Jobs;

namespace FfmpegApi.Core.Batches;

/// <summary>
/// A set of jobs submitted together (<c>POST /batch</c>). Its jobs carry <see cref="Job.BatchId"/>; it is complete once
/// every job is terminal, which sends one <c>batch.completed</c> event.
/// </summary>
public sealed class Batch
{
    public const string Atomic = "atomic";
    public const string Partial = "partial";

    public required string Id { get; init; }

    public required string TenantId { get; init; }

    public required string ApiKeyId { get; init; }

    /// <summary><see cref="Atomic"/> (all jobs valid or none created) or <see cref="Partial"/> (valid jobs created, the rest listed).</summary>
    public required string Mode { get; init; }

    /// <summary>Jobs created (rejected ones in partial mode are not counted).</summary>
    public int JobCount { get; init; }

    public DateTime CreatedAt { get; init; }

    /// <summary>Touched by every job outcome in the batch: the row lock that serializes dependency decisions.</summary>
    public DateTime UpdatedAt { get; set; }

    /// <summary>When the last job reached a terminal state.</summary>
    public DateTime? CompletedAt { get; set; }
}

/// <summary>A batch with its jobs' states: the <c>batch.completed</c> event's data and the base of the API view.</summary>
public sealed record BatchSummary(
    string Id,
    string Mode,
    string Status,
    DateTime CreatedAt,
    DateTime? CompletedAt,
    int Total,
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<BatchJobState> Jobs)
{
    /// <summary>The summary of <paramref name="jobs"/>; <paramref name="current"/> overrides states read before this transaction changed them.</summary>
    public static BatchSummary From(Batch batch, IReadOnlyList<Job> jobs, IReadOnlyDictionary<string, JobStatus>? current = null)
    {
        JobStatus StatusOf(Job j) => current?.GetValueOrDefault(j.Id, j.Status) ?? j.Status;
        return new(
            batch.Id,
            batch.Mode,
            batch.CompletedAt is null ? "processing" : "completed",
            batch.CreatedAt,
            batch.CompletedAt,
            jobs.Count,
            Enum.GetValues<JobStatus>().ToDictionary(JobStateMachine.ToWire, s => jobs.Count(j => StatusOf(j) == s), StringComparer.Ordinal),
            [.. jobs.OrderBy(j => j.BatchIndex).Select(j => new BatchJobState(j.BatchIndex ?? 0, j.Id, JobStateMachine.ToWire(StatusOf(j))))]);
    }
}

public sealed record BatchJobState(int Index, string Id, string Status);
