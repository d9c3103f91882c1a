namespace FfmpegApi.Core.Webhooks;

/// <summary>A tenant's webhook endpoint: where to send which events, signed with its own secret.</summary>
public sealed class WebhookSubscription : ISigningSecret
{
    public required string Id { get; init; }

    public required string TenantId { get; init; }

    public required string Url { get; set; }

    /// <summary>Space-separated event types (<c>job.completed job.failed</c>); empty means every event except <c>job.progress</c>.</summary>
    public string Events { get; set; } = string.Empty;

    public string? Description { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary>The signing secret, encrypted with ASP.NET Core Data Protection.</summary>
    public required string SecretProtected { get; set; }

    /// <summary>The secret before the last rotation; still signs (beside the new one) until <see cref="PreviousSecretExpiresAt"/>.</summary>
    public string? PreviousSecretProtected { get; set; }

    public DateTime? PreviousSecretExpiresAt { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>Deliveries that failed for good since the last success; the endpoint is disabled when this reaches <c>Webhooks:DisableAfterFailures</c>.</summary>
    public int ConsecutiveFailures { get; set; }

    public DateTime? DisabledAt { get; set; }

    public string? DisabledReason { get; set; }

    public IReadOnlyList<string> EventList => Events.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public bool Accepts(string eventType) => Events.Length == 0
        ? eventType != WebhookEventTypes.JobProgress
        : EventList.Contains(eventType, StringComparer.Ordinal);
}

/// <summary>The signing secret for per-job webhooks (<c>webhook_url</c>), one per tenant, created on first use.</summary>
public sealed class TenantWebhookSecret : ISigningSecret
{
    public required string TenantId { get; init; }

    public required string SecretProtected { get; set; }

    public string? PreviousSecretProtected { get; set; }

    public DateTime? PreviousSecretExpiresAt { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>A stored, rotatable signing secret (encrypted at rest).</summary>
public interface ISigningSecret
{
    string SecretProtected { get; set; }

    string? PreviousSecretProtected { get; set; }

    DateTime? PreviousSecretExpiresAt { get; set; }

    DateTime UpdatedAt { get; set; }
}

/// <summary>
/// The outbox: one row per (event, target), written in the same transaction as the job state change that caused it,
/// sent later by <see cref="WebhookDispatcher"/>. Rows of one job and target are delivered in <see cref="Id"/> order.
/// </summary>
public sealed class WebhookDelivery
{
    public long Id { get; init; }

    /// <summary>The message id (<c>webhook-id</c> header); the same across retries and replays.</summary>
    public required string EventId { get; init; }

    public required string EventType { get; init; }

    public required string TenantId { get; init; }

    public string? JobId { get; init; }

    /// <summary>Null for a per-job webhook (<c>webhook_url</c>).</summary>
    public string? SubscriptionId { get; init; }

    public required string Url { get; init; }

    /// <summary><c>standard</c> (subscriptions) or <c>rendiff</c> (per-job webhooks, the original's payload).</summary>
    public required string Format { get; init; }

    /// <summary>The exact body sent (and signed).</summary>
    public required string Payload { get; init; }

    public WebhookDeliveryStatus Status { get; set; }

    public int Attempts { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime NextAttemptAt { get; set; }

    /// <summary>A dispatcher's claim on the row while it sends (several processes may dispatch).</summary>
    public DateTime? LockedUntil { get; set; }

    public int? LastStatusCode { get; set; }

    public string? LastError { get; set; }

    public DateTime? CompletedAt { get; set; }
}

public enum WebhookDeliveryStatus
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>The delivery log: one row per attempt.</summary>
public sealed class WebhookAttempt
{
    public long Id { get; init; }

    public long DeliveryId { get; init; }

    public int Attempt { get; init; }

    public DateTime At { get; init; }

    public int? StatusCode { get; init; }

    public int LatencyMs { get; init; }

    public string? Error { get; init; }

    /// <summary>The first bytes of the receiver's answer (at most 500 characters).</summary>
    public string? ResponseSnippet { get; init; }
}

public static class WebhookEventTypes
{
    public const string JobQueued = "job.queued";
    public const string JobStarted = "job.started";
    public const string JobProgress = "job.progress";
    public const string JobCompleted = "job.completed";
    public const string JobFailed = "job.failed";
    public const string JobCancelled = "job.cancelled";

    /// <summary>A batch job that will not run because a dependency did not complete.</summary>
    public const string JobSkipped = "job.skipped";
    public const string BatchCompleted = "batch.completed";

    public static readonly IReadOnlyList<string> All = [JobQueued, JobStarted, JobProgress, JobCompleted, JobFailed, JobCancelled, JobSkipped, BatchCompleted];

    /// <summary>Events that end a job.</summary>
    public static bool IsTerminal(string eventType) => eventType is JobCompleted or JobFailed or JobCancelled or JobSkipped;

    /// <summary>The original API's per-job event names (<c>webhook_events</c>) and ours they stand for.</summary>
    public static readonly IReadOnlyDictionary<string, string> Rendiff = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["queued"] = JobQueued,
        ["started"] = JobStarted,
        ["progress"] = JobProgress,
        ["complete"] = JobCompleted,
        ["error"] = JobFailed,
        ["cancelled"] = JobCancelled,
    };

    /// <summary>The original's name for an event (a skipped batch job is an <c>error</c> there: it produced nothing).</summary>
    public static string? ToRendiff(string eventType) => eventType == JobSkipped ? "error" : Rendiff.FirstOrDefault(p => p.Value == eventType).Key;
}
