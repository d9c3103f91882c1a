namespace FfmpegApi.Core.Queue;

/// <summary>The tenant a worker last started a job for, and when: the round-robin state of the claim.</summary>
public sealed class TenantSchedule
{
    public required string TenantId { get; init; }

    public DateTime LastStartedAt { get; set; }

    /// <summary>
    /// The tenant's running jobs, kept by the claim and every transition out of running while <c>Worker:TenantConcurrency</c>
    /// is set (nothing reads it otherwise, so nobody pays for it then); the reconciliation sets it right when a limit is
    /// turned on.
    /// </summary>
    public int Running { get; set; }
}
