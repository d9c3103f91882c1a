using System.ComponentModel.DataAnnotations;

namespace FfmpegApi.Core.Webhooks;

/// <summary>Webhook delivery settings (section <c>Webhooks</c>); docs/webhooks.md explains each.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Send webhooks at all (the dispatcher runs in processes that run workers, and in <c>api</c> processes).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Accept <c>http://</c> targets (otherwise https only).</summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// Host names and IP networks (CIDR) that may be targets although they are private, loopback or link-local:
    /// known internal receivers. Everything else must resolve to public addresses only.
    /// </summary>
    public List<string> AllowedTargets { get; set; } = [];

    /// <summary>Attempts per delivery before it is marked failed (the first try included).</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Delay before the first retry; each later retry waits 4× longer (±20 % jitter), up to <see cref="RetryMaxSeconds"/>.</summary>
    [Range(0.01, 3600)]
    public double RetryBaseSeconds { get; set; } = 10;

    [Range(0.01, 86400)]
    public double RetryMaxSeconds { get; set; } = 6 * 3600;

    /// <summary>Time limit of one attempt (connect + send + answer).</summary>
    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Deliveries in a row that failed for good (retries exhausted, or a 4xx answer) after which a subscription is
    /// disabled (and an audit entry written). A success resets the count.
    /// </summary>
    [Range(1, 10000)]
    public int DisableAfterFailures { get; set; } = 10;

    /// <summary>At most one <c>job.progress</c> event per job in this many seconds.</summary>
    [Range(1, 3600)]
    public int ProgressIntervalSeconds { get; set; } = 10;

    /// <summary>How long the previous secret keeps signing after a rotation.</summary>
    [Range(0, 30 * 86400)]
    public int SecretOverlapSeconds { get; set; } = 24 * 3600;

    /// <summary>How often an idle dispatcher looks for due deliveries (new events wake it at once).</summary>
    [Range(0.05, 60)]
    public double PollSeconds { get; set; } = 2;

    /// <summary>Subscriptions per tenant.</summary>
    [Range(1, 1000)]
    public int MaxSubscriptionsPerTenant { get; set; } = 20;
}
