using FfmpegApi.Media.Specs;

namespace FfmpegApi.Core.Jobs;

/// <summary>
/// A job as submitted: its media work (<see cref="JobSpec"/>, one record per kind) and how it is queued and delivered.
/// Stored as the row's <c>spec_json</c> and <c>delivery_json</c> plus the <c>priority</c> and <c>max_attempts</c>
/// columns (<see cref="JobDocuments"/> reads them back).
/// </summary>
public sealed record JobEnvelope(JobSpec Spec, JobPriority Priority = JobPriority.Normal, int? MaxAttempts = null)
{
    public JobDelivery Delivery { get; init; } = JobDelivery.None;
}

/// <summary>How one job's run and results are delivered, beside the media work.</summary>
public sealed record JobDelivery
{
    public static JobDelivery None { get; } = new();

    /// <summary><c>options.timeout_seconds</c>; null: the server's default (<c>Jobs:DefaultTimeoutSeconds</c>).</summary>
    public int? TimeoutSeconds { get; init; }

    /// <summary>Where to report this job's events, besides the tenant's webhook subscriptions.</summary>
    public JobWebhook? Webhook { get; init; }

    /// <summary>Inline credentials of object inputs/outputs, sealed (Data Protection), by address; never shown.</summary>
    public IReadOnlyDictionary<string, string>? SealedCredentials { get; init; }

    /// <summary><c>options.input_access: stream</c>: ffmpeg reads object inputs through presigned URLs instead of staged copies.</summary>
    public bool StreamInput { get; init; }
}

public enum JobPriority
{
    Low = 0,
    Normal = 1,
    High = 2,
}

/// <summary>A per-job webhook (the original's <c>webhook_url</c> + <c>webhook_events</c>: progress, complete, error, …).</summary>
public sealed record JobWebhook(string Url, IReadOnlyList<string> Events);
