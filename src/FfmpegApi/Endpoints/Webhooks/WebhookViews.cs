using System.Text.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Webhooks;
using FfmpegApi.Endpoints.Jobs;

namespace FfmpegApi.Endpoints.Webhooks;

/// <summary>A subscription on the wire: never its secret (that has its own endpoint).</summary>
public sealed record WebhookView(
    string Id,
    string Url,
    IReadOnlyList<string> Events,
    string? Description,
    bool Enabled,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    int ConsecutiveFailures,
    DateTime? DisabledAt,
    string? DisabledReason)
{
    public static WebhookView From(WebhookSubscription s) =>
        new(s.Id, s.Url, s.EventList, s.Description, s.Enabled, s.CreatedAt, s.UpdatedAt, s.ConsecutiveFailures, s.DisabledAt, s.DisabledReason);
}

public sealed record WebhookCreatedResponse(WebhookView Webhook, string Secret);

public sealed record WebhookListResponse(IReadOnlyList<WebhookView> Webhooks);

/// <summary>The secret(s) that sign now: during a rotation overlap both are valid.</summary>
public sealed record WebhookSecretResponse(string Secret, string? PreviousSecret, DateTime? PreviousSecretExpiresAt);

public sealed record DeliveryView(
    long Id,
    string EventId,
    string EventType,
    string? JobId,
    string? SubscriptionId,
    string Url,
    string Format,
    string Status,
    int Attempts,
    DateTime CreatedAt,
    DateTime? NextAttemptAt,
    DateTime? CompletedAt,
    int? LastStatusCode,
    string? LastError,
    JsonElement? Payload,
    IReadOnlyList<AttemptView>? AttemptLog)
{
    public static DeliveryView From(WebhookDelivery d, IReadOnlyList<WebhookAttempt>? attempts) => new(
        d.Id,
        d.EventId,
        d.EventType,
        d.JobId,
        d.SubscriptionId,
        d.Url,
        d.Format,
        d.Status.ToString().ToLowerInvariant(),
        d.Attempts,
        d.CreatedAt,
        d.Status == WebhookDeliveryStatus.Pending ? d.NextAttemptAt : null,
        d.CompletedAt,
        d.LastStatusCode,
        d.LastError,
        attempts is null ? null : JsonDocument.Parse(d.Payload).RootElement.Clone(),
        attempts?.Select(a => new AttemptView(a.Attempt, a.At, a.StatusCode, a.LatencyMs, a.Error, a.ResponseSnippet)).ToList());
}

public sealed record AttemptView(int Attempt, DateTime At, int? StatusCode, int LatencyMs, string? Error, string? ResponseSnippet);

public sealed record DeliveryListResponse(IReadOnlyList<DeliveryView> Deliveries, int Total, int Page, int PerPage);

/// <summary>Events carry the job exactly as <c>GET /api/v1/jobs/{id}</c> shows it.</summary>
public sealed class JobViewRepresentation : IWebhookJobRepresentation
{
    public JsonNode Represent(Job job) => JsonSerializer.SerializeToNode(JobView.From(job), JsonDefaults.Options)!;
}
