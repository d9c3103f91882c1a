using System.Text.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Media.Specs;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Webhooks;

/// <summary>How a job looks in an event's <c>data</c>: the host supplies the public (wire) representation.</summary>
public interface IWebhookJobRepresentation
{
    JsonNode Represent(Job job);
}

/// <summary>Used when no host registered a representation (tools, tests of Core alone): the essentials.</summary>
internal sealed class MinimalJobRepresentation : IWebhookJobRepresentation
{
    public JsonNode Represent(Job job) => new JsonObject
    {
        ["id"] = job.Id,
        ["status"] = JobStateMachine.ToWire(job.Status),
        ["progress"] = job.Progress,
        ["created_at"] = job.CreatedAt,
        ["completed_at"] = job.CompletedAt,
    };
}

/// <summary>
/// Writes outbox rows for an event: one per matching enabled subscription of the job's tenant (new format) and one
/// for the job's own <c>webhook_url</c> when it asked for that event (the original's format). Called inside the
/// transaction of the state change, so an event exists exactly when its change was committed.
/// </summary>
public sealed class WebhookOutbox(AppDbContext db, TimeProvider clock, IWebhookJobRepresentation representation)
{
    public const string StandardFormat = "standard";
    public const string RendiffFormat = "rendiff";

    /// <summary>Adds the rows for <paramref name="eventType"/> on <paramref name="jobId"/>; saves; true when any was added.</summary>
    public async Task<bool> RecordJobEventAsync(string jobId, string eventType, CancellationToken cancellationToken) =>
        await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == jobId, cancellationToken) is { } job
        && await RecordJobEventAsync(job, eventType, cancellationToken);

    /// <summary>The same for a job row the caller already holds in its current state (no second read).</summary>
    public Task<bool> RecordJobEventAsync(Job job, string eventType, CancellationToken cancellationToken) =>
        RecordJobEventsAsync([job], eventType, cancellationToken);

    /// <summary>
    /// The same event for several jobs (a batch of claims or completions): one query for the subscriptions of all their
    /// tenants, one save. True when any row was added.
    /// </summary>
    public Task<bool> RecordJobEventsAsync(IReadOnlyCollection<Job> jobs, string eventType, CancellationToken cancellationToken) =>
        RecordJobEventsAsync(jobs, eventType, true, cancellationToken);

    /// <summary>
    /// The same, where the caller already knows whether any of the jobs' tenants has an enabled subscription
    /// (<paramref name="anySubscription"/> false skips that query; the jobs' own webhooks are still honoured).
    /// </summary>
    public async Task<bool> RecordJobEventsAsync(IReadOnlyCollection<Job> jobs, string eventType, bool anySubscription, CancellationToken cancellationToken)
    {
        if (jobs.Count == 0)
        {
            return false;
        }

        var tenants = jobs.Select(j => j.TenantId).Distinct().ToList();
        var subscriptions = (anySubscription
            ? await db.WebhookSubscriptions.AsNoTracking().Where(s => tenants.Contains(s.TenantId) && s.Enabled).ToListAsync(cancellationToken)
            : []).Where(s => s.Accepts(eventType)).ToLookup(s => s.TenantId, StringComparer.Ordinal);
        var now = clock.GetUtcNow().UtcDateTime;
        var added = false;
        foreach (var job in jobs)
        {
            var targets = subscriptions[job.TenantId];
            var perJob = JobWebhookOf(job) is { } hook && WebhookEventTypes.ToRendiff(eventType) is { } name && hook.Events.Contains(name) ? hook : null;
            if (!targets.Any() && perJob is null)
            {
                continue;
            }

            added = true;
            var eventId = NewEventId(now);
            var data = representation.Represent(job);
            foreach (var subscription in targets)
            {
                var body = new JsonObject
                {
                    ["id"] = eventId,
                    ["type"] = eventType,
                    ["created_at"] = now,
                    ["data"] = new JsonObject { ["job"] = data.DeepClone() },
                };
                Add(eventId, eventType, job.TenantId, job.Id, subscription.Id, subscription.Url, StandardFormat, body, now);
            }

            if (perJob is not null)
            {
                var body = new JsonObject
                {
                    ["event"] = WebhookEventTypes.ToRendiff(eventType),
                    ["job_id"] = job.Id,
                    ["timestamp"] = now,
                    ["data"] = data.DeepClone(),
                };
                Add(eventId, eventType, job.TenantId, job.Id, null, perJob.Url, RendiffFormat, body, now);
            }
        }

        if (added)
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        return added;
    }

    /// <summary>
    /// Adds <c>batch.completed</c> rows (with the batch's <paramref name="summary"/> as <c>data.batch</c>) for the tenant's
    /// subscriptions that accept it; saves; true when any was added.
    /// </summary>
    public async Task<bool> RecordBatchEventAsync(string tenantId, string batchId, JsonNode summary, CancellationToken cancellationToken)
    {
        var subscriptions = await db.WebhookSubscriptions.AsNoTracking()
            .Where(s => s.TenantId == tenantId && s.Enabled)
            .ToListAsync(cancellationToken);
        var targets = subscriptions.Where(s => s.Accepts(WebhookEventTypes.BatchCompleted)).ToList();
        if (targets.Count == 0)
        {
            return false;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var eventId = NewEventId(now);
        foreach (var subscription in targets)
        {
            var body = new JsonObject
            {
                ["id"] = eventId,
                ["type"] = WebhookEventTypes.BatchCompleted,
                ["created_at"] = now,
                ["data"] = new JsonObject { ["batch"] = summary.DeepClone() },
            };
            Add(eventId, WebhookEventTypes.BatchCompleted, tenantId, batchId, subscription.Id, subscription.Url, StandardFormat, body, now);
        }

        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Whether anyone would receive <c>job.progress</c> for this job (so progress writes skip the lookup otherwise).</summary>
    public async Task<bool> WantsProgressAsync(string jobId, CancellationToken cancellationToken)
    {
        var job = await db.Jobs.AsNoTracking().Where(j => j.Id == jobId).Select(j => new { j.TenantId, j.SpecJson, j.DeliveryJson }).FirstOrDefaultAsync(cancellationToken);
        if (job is null)
        {
            return false;
        }

        var hook = JobDocuments.ReadDelivery(job.SpecJson, job.DeliveryJson).Webhook;
        if (hook?.Events.Contains("progress") == true)
        {
            return true;
        }

        var subscriptions = await db.WebhookSubscriptions.AsNoTracking()
            .Where(s => s.TenantId == job.TenantId && s.Enabled).Select(s => s.Events).ToListAsync(cancellationToken);
        return subscriptions.Any(e => e.Split(' ').Contains(WebhookEventTypes.JobProgress));
    }

    public static string NewEventId(DateTime now) => "msg_" + Guid.CreateVersion7(new DateTimeOffset(now, TimeSpan.Zero)).ToString("N");

    private static JobWebhook? JobWebhookOf(Job job) => job.Delivery().Webhook;

    /// <summary>One outbox row; <paramref name="subjectId"/> (a job or batch id) keys the delivery order per target.</summary>
    private void Add(string eventId, string eventType, string tenantId, string subjectId, string? subscriptionId, string url, string format, JsonObject body, DateTime now) =>
        db.WebhookDeliveries.Add(new WebhookDelivery
        {
            EventId = eventId,
            EventType = eventType,
            TenantId = tenantId,
            JobId = subjectId,
            SubscriptionId = subscriptionId,
            Url = url,
            Format = format,
            Payload = body.ToJsonString(JsonDefaults.Options),
            Status = WebhookDeliveryStatus.Pending,
            CreatedAt = now,
            NextAttemptAt = now,
        });
}
