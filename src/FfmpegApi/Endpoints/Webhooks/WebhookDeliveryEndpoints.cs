using FfmpegApi.Core.Audit;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Queue;
using FfmpegApi.Core.Webhooks;
using FfmpegApi.Errors;
using FfmpegApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Endpoints.Webhooks;

/// <summary>The delivery log (<c>/api/v1/webhooks/deliveries</c>) and replay.</summary>
public static class WebhookDeliveryEndpoints
{
    public static RouteGroupBuilder MapWebhookDeliveries(this RouteGroupBuilder read)
    {
        read.MapGet("/deliveries", ListAsync).WithName("ListWebhookDeliveries").WithSummary("Deliveries, newest first, filtered by job, subscription or status");
        read.MapGet("/deliveries/{id:long}", GetAsync).WithName("GetWebhookDelivery").WithSummary("One delivery with its payload and every attempt")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return read;
    }

    public static RouteGroupBuilder MapWebhookReplay(this RouteGroupBuilder write)
    {
        write.MapPost("/deliveries/{id:long}/replay", ReplayAsync).WithName("ReplayWebhookDelivery")
            .WithSummary("Send a delivery's event again (same webhook-id and body, new signature)").ProducesProblem(StatusCodes.Status404NotFound);
        return write;
    }

    internal static async Task<Results<Ok<DeliveryListResponse>, ProblemHttpResult>> ListAsync(
        HttpContext context,
        AppDbContext db,
        [FromQuery(Name = "job_id")] string? jobId,
        [FromQuery(Name = "subscription_id")] string? subscriptionId,
        string? status,
        int? page,
        [FromQuery(Name = "per_page")] int? perPage,
        CancellationToken cancellationToken)
    {
        var tenant = Caller.From(context.User).TenantId;
        var rows = db.WebhookDeliveries.AsNoTracking().Where(d => d.TenantId == tenant);
        if (jobId is not null)
        {
            rows = rows.Where(d => d.JobId == jobId);
        }

        if (subscriptionId is not null)
        {
            rows = rows.Where(d => d.SubscriptionId == subscriptionId);
        }

        if (status is not null)
        {
            if (!Enum.TryParse<WebhookDeliveryStatus>(status, ignoreCase: true, out var wanted) || int.TryParse(status, out _))
            {
                return ApiProblem.Create(context, 422, ErrorCodes.InvalidRequest, "status: one of pending, delivered, failed.", new Dictionary<string, string[]> { ["status"] = ["One of pending, delivered, failed."] });
            }

            rows = rows.Where(d => d.Status == wanted);
        }

        var size = Math.Clamp(perPage ?? 50, 1, 200);
        var number = Math.Max(1, page ?? 1);
        var total = await rows.CountAsync(cancellationToken);
        var items = await rows.OrderByDescending(d => d.Id).Skip((number - 1) * size).Take(size).ToListAsync(cancellationToken);
        return TypedResults.Ok(new DeliveryListResponse([.. items.Select(d => DeliveryView.From(d, null))], total, number, size));
    }

    internal static async Task<Results<Ok<DeliveryView>, ProblemHttpResult>> GetAsync(long id, HttpContext context, AppDbContext db, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(context.User).TenantId;
        if (await db.WebhookDeliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id && d.TenantId == tenant, cancellationToken) is not { } delivery)
        {
            return WebhookEndpoints.NotFound(context, "Webhook delivery");
        }

        var attempts = await db.WebhookAttempts.AsNoTracking().Where(a => a.DeliveryId == id).OrderBy(a => a.Attempt).ToListAsync(cancellationToken);
        return TypedResults.Ok(DeliveryView.From(delivery, attempts));
    }

    /// <summary>A new delivery row with the same event id and body (receivers deduplicate on <c>webhook-id</c>).</summary>
    internal static async Task<Results<Accepted<DeliveryView>, ProblemHttpResult>> ReplayAsync(
        long id, HttpContext context, AppDbContext db, TimeProvider clock, WebhookSignal signal, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(context.User).TenantId;
        if (await db.WebhookDeliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id && d.TenantId == tenant, cancellationToken) is not { } original)
        {
            return WebhookEndpoints.NotFound(context, "Webhook delivery");
        }

        if (original.SubscriptionId is { } sid && !await db.WebhookSubscriptions.AnyAsync(s => s.Id == sid && s.Enabled, cancellationToken))
        {
            return ApiProblem.Create(context, 409, ErrorCodes.InvalidRequest, "The subscription is disabled or deleted; enable it (PATCH enabled: true) before replaying.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var replay = new WebhookDelivery
        {
            EventId = original.EventId,
            EventType = original.EventType,
            TenantId = original.TenantId,
            JobId = original.JobId,
            SubscriptionId = original.SubscriptionId,
            Url = original.Url,
            Format = original.Format,
            Payload = original.Payload,
            Status = WebhookDeliveryStatus.Pending,
            CreatedAt = now,
            NextAttemptAt = now,
        };
        db.WebhookDeliveries.Add(replay);
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
        await context.AuditAsync(AuditActions.WebhookReplay, id.ToString(System.Globalization.CultureInfo.InvariantCulture), detail: $"replayed as {replay.Id}");
        return TypedResults.Accepted($"/api/v1/webhooks/deliveries/{replay.Id}", DeliveryView.From(replay, null));
    }
}
