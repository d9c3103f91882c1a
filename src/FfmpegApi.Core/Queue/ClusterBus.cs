using FfmpegApi.Core.Jobs;

namespace FfmpegApi.Core.Queue;

/// <summary>What one process tells the others: a job was queued, a cancel was requested, a job made progress.</summary>
public sealed record ClusterMessage(string Kind, string? JobId = null, ClusterProgress? Progress = null)
{
    public const string Queued = "queued";
    public const string Cancel = "cancel";
    public const string ProgressKind = "progress";
}

/// <summary>A job event as it travels between processes (the receiving hub assigns its own sequence numbers).</summary>
public sealed record ClusterProgress(JobStatus Status, JobProgress Progress, DateTime ObservedAt, string? ErrorCode, string? ErrorMessage);

/// <summary>
/// Cross-process signals. <see cref="Post"/> never blocks and never throws: a lost message only costs latency, because
/// every receiver also has a slow fallback (idle poll, cancel flag on the row, SSE keep-alive re-read).
/// </summary>
public interface IClusterBus
{
    void Post(ClusterMessage message);
}

/// <summary>One process (embedded SQLite): nothing to tell anyone.</summary>
public sealed class NullClusterBus : IClusterBus
{
    public void Post(ClusterMessage message)
    {
    }
}
