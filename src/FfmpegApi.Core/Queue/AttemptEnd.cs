namespace FfmpegApi.Core.Queue;

/// <summary>How a run ended, for the job's attempt history; a null number is read from the row the transition leaves.</summary>
public sealed record AttemptEnd(int? Number, string? WorkerId, string Outcome, string? ErrorCode = null, string? ErrorMessage = null, DateTime? RetryAt = null);

/// <summary>One finished run to record as completed, with the bytes it read and published (metered per key).</summary>
public sealed record Completion(string JobId, string WorkerId, JobProgress Last, string OutputJson, string? ResultJson, string Log)
{
    public long? InputBytes { get; init; }

    public long? OutputBytes { get; init; }
}
