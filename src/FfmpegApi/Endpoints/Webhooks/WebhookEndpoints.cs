using System.Text.Json;
using FfmpegApi.Core.Audit;
using FfmpegApi.Core.Auth;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Net;
using FfmpegApi.Core.Webhooks;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Errors;
using FfmpegApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Webhooks;

/// <summary>
/// <c>/api/v1/webhooks</c>: a tenant's subscriptions (url, events, secret, enabled), secret rotation, the per-job
/// webhook secret, and the delivery log with replay (<see cref="WebhookDeliveryEndpoints"/>). Managing needs
/// <c>jobs:write</c>; reading the delivery log <c>jobs:read</c>. Every query is filtered by the caller's tenant.
/// </summary>
public static class WebhookEndpoints
{
    private static readonly string[] Fields = ["url", "events", "description", "enabled"];

    public static RouteGroupBuilder MapWebhooks(this RouteGroupBuilder api)
    {
        var read = api.MapGroup("/webhooks").RequireAuthorization(ApiScopes.JobsRead).WithTags("Webhooks");
        var write = api.MapGroup("/webhooks").RequireAuthorization(ApiScopes.JobsWrite).WithTags("Webhooks");
        write.MapPost("/", CreateAsync).WithName("CreateWebhook").WithSummary("Subscribe an endpoint to events; the signing secret is in this answer")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        read.MapGet("/", ListAsync).WithName("ListWebhooks").WithSummary("This tenant's webhook subscriptions");
        read.MapGet("/{id}", GetAsync).WithName("GetWebhook").WithSummary("One subscription").ProducesProblem(StatusCodes.Status404NotFound);
        write.MapPatch("/{id}", UpdateAsync).WithName("UpdateWebhook").WithSummary("Change url, events, description; enable or disable")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        write.MapDelete("/{id}", DeleteAsync).WithName("DeleteWebhook").WithSummary("Delete a subscription").ProducesProblem(StatusCodes.Status404NotFound);
        write.MapGet("/{id}/secret", SecretAsync).WithName("GetWebhookSecret").WithSummary("The subscription's signing secret").ProducesProblem(StatusCodes.Status404NotFound);
        write.MapPost("/{id}/rotate-secret", RotateAsync).WithName("RotateWebhookSecret")
            .WithSummary("New signing secret; the previous one keeps signing (beside it) for the overlap").ProducesProblem(StatusCodes.Status404NotFound);
        write.MapGet("/job-secret", JobSecretAsync).WithName("GetJobWebhookSecret").WithSummary("The secret that signs per-job webhooks (webhook_url)");
        write.MapPost("/job-secret/rotate", RotateJobSecretAsync).WithName("RotateJobWebhookSecret").WithSummary("Rotate the per-job webhook secret");
        read.MapWebhookDeliveries();
        write.MapWebhookReplay();
        return api;
    }

    internal static async Task<Results<Created<WebhookCreatedResponse>, ProblemHttpResult>> CreateAsync(
        HttpContext context, AppDbContext db, WebhookSecrets secrets, OutboundTargetPolicy targets, TimeProvider clock, IOptions<WebhookOptions> options, CancellationToken cancellationToken)
    {
        var caller = Caller.From(context.User);
        using var document = await JsonDocument.ParseAsync(context.Request.Body, default, cancellationToken);
        var (request, errors) = await ReadAsync(document.RootElement, targets, requireUrl: true, cancellationToken);
        if (errors.Any)
        {
            return ApiProblem.Invalid(context, errors);
        }

        var count = await db.WebhookSubscriptions.CountAsync(s => s.TenantId == caller.TenantId, cancellationToken);
        if (count >= options.Value.MaxSubscriptionsPerTenant)
        {
            return ApiProblem.Create(context, 409, InvalidRequest, $"This tenant has {count} webhook subscriptions; the limit is {options.Value.MaxSubscriptionsPerTenant} (Webhooks:MaxSubscriptionsPerTenant).");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var secret = WebhookSignature.NewSecret();
        var subscription = new WebhookSubscription
        {
            Id = "wh_" + Guid.CreateVersion7(clock.GetUtcNow()).ToString("N"),
            TenantId = caller.TenantId,
            Url = request.Url!,
            Events = string.Join(' ', request.Events ?? []),
            Description = request.Description,
            Enabled = request.Enabled ?? true,
            SecretProtected = secrets.Protect(secret),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.WebhookSubscriptions.Add(subscription);
        await db.SaveChangesAsync(cancellationToken);
        await context.AuditAsync(AuditActions.WebhookCreate, subscription.Id, detail: $"events={subscription.Events}");
        return TypedResults.Created($"/api/v1/webhooks/{subscription.Id}", new WebhookCreatedResponse(WebhookView.From(subscription), secret));
    }

    internal static async Task<WebhookListResponse> ListAsync(HttpContext context, AppDbContext db, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(context.User).TenantId;
        var rows = await db.WebhookSubscriptions.AsNoTracking().Where(s => s.TenantId == tenant).OrderBy(s => s.CreatedAt).ToListAsync(cancellationToken);
        return new([.. rows.Select(WebhookView.From)]);
    }

    internal static async Task<Results<Ok<WebhookView>, ProblemHttpResult>> GetAsync(string id, HttpContext context, AppDbContext db, CancellationToken cancellationToken) =>
        await FindAsync(db, context, id, cancellationToken) is { } s ? TypedResults.Ok(WebhookView.From(s)) : NotFound(context);

    internal static async Task<Results<Ok<WebhookView>, ProblemHttpResult>> UpdateAsync(
        string id, HttpContext context, AppDbContext db, OutboundTargetPolicy targets, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, context, id, cancellationToken) is not { } subscription)
        {
            return NotFound(context);
        }

        using var document = await JsonDocument.ParseAsync(context.Request.Body, default, cancellationToken);
        var (request, errors) = await ReadAsync(document.RootElement, targets, requireUrl: false, cancellationToken);
        if (errors.Any)
        {
            return ApiProblem.Invalid(context, errors);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        subscription.Url = request.Url ?? subscription.Url;
        subscription.Events = request.Events is { } events ? string.Join(' ', events) : subscription.Events;
        subscription.Description = request.Description ?? subscription.Description;
        if (request.Enabled is { } enabled && enabled != subscription.Enabled)
        {
            // Re-enabling starts the failure count afresh.
            subscription.Enabled = enabled;
            subscription.ConsecutiveFailures = 0;
            subscription.DisabledAt = enabled ? null : now;
            subscription.DisabledReason = enabled ? null : "Disabled by request.";
        }

        subscription.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        await context.AuditAsync(AuditActions.WebhookUpdate, subscription.Id, detail: $"enabled={subscription.Enabled} events={subscription.Events}");
        return TypedResults.Ok(WebhookView.From(subscription));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, HttpContext context, AppDbContext db, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, context, id, cancellationToken) is not { } subscription)
        {
            return NotFound(context);
        }

        db.WebhookSubscriptions.Remove(subscription);
        await db.SaveChangesAsync(cancellationToken);
        await context.AuditAsync(AuditActions.WebhookDelete, id);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<WebhookSecretResponse>, ProblemHttpResult>> SecretAsync(string id, HttpContext context, AppDbContext db, WebhookSecrets secrets, CancellationToken cancellationToken) =>
        await FindAsync(db, context, id, cancellationToken) is { } s ? TypedResults.Ok(SecretView(secrets, s)) : NotFound(context);

    internal static async Task<Results<Ok<WebhookSecretResponse>, ProblemHttpResult>> RotateAsync(string id, HttpContext context, AppDbContext db, WebhookSecrets secrets, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, context, id, cancellationToken) is not { } subscription)
        {
            return NotFound(context);
        }

        secrets.Rotate(subscription);
        await db.SaveChangesAsync(cancellationToken);
        await context.AuditAsync(AuditActions.WebhookRotate, id, detail: $"previous secret signs until {subscription.PreviousSecretExpiresAt:O}");
        return TypedResults.Ok(SecretView(secrets, subscription));
    }

    internal static async Task<WebhookSecretResponse> JobSecretAsync(HttpContext context, WebhookSecrets secrets, CancellationToken cancellationToken) =>
        SecretView(secrets, await secrets.TenantSecretAsync(Caller.From(context.User).TenantId, cancellationToken));

    internal static async Task<WebhookSecretResponse> RotateJobSecretAsync(HttpContext context, WebhookSecrets secrets, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(context.User).TenantId;
        await secrets.RotateTenantSecretAsync(tenant, cancellationToken);
        await context.AuditAsync(AuditActions.WebhookRotate, "job-secret");
        return SecretView(secrets, await secrets.TenantSecretAsync(tenant, cancellationToken));
    }

    internal static ProblemHttpResult NotFound(HttpContext context, string what = "Webhook subscription") => ApiProblem.Create(context, 404, ErrorCodes.NotFound, $"{what} not found");

    private static WebhookSecretResponse SecretView(WebhookSecrets secrets, ISigningSecret stored)
    {
        var signing = secrets.Signing(stored);
        return new WebhookSecretResponse(signing[0], signing.Count > 1 ? signing[1] : null, signing.Count > 1 ? stored.PreviousSecretExpiresAt : null);
    }

    private static Task<WebhookSubscription?> FindAsync(AppDbContext db, HttpContext context, string id, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(context.User).TenantId;
        return db.WebhookSubscriptions.FirstOrDefaultAsync(s => s.Id == id && s.TenantId == tenant, cancellationToken);
    }

    private static async Task<(WebhookRequest Request, ValidationErrors Errors)> ReadAsync(JsonElement body, OutboundTargetPolicy targets, bool requireUrl, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var fields = new JsonFields(errors);
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", "The request body must be a JSON object.", InvalidRequest);
            return (new WebhookRequest(null, null, null, null), errors);
        }

        fields.RejectUnknown(body, string.Empty, InvalidRequest, Fields);
        var url = fields.String(body, "url", string.Empty, InvalidRequest);
        if (url is null && requireUrl)
        {
            errors.Add("url", "Required: the https URL that receives the events.", InvalidRequest);
        }
        else if (url is not null && await targets.CheckResolvedAsync(url, TimeSpan.FromSeconds(2), cancellationToken) is { } problem)
        {
            errors.Add("url", problem, InvalidRequest, url);
        }

        string[]? events = null;
        if (body.TryGetProperty("events", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            var allowed = WebhookEventTypes.All.ToArray();
            var bad = list.ValueKind != JsonValueKind.Array ? list.ToString() : list.EnumerateArray().FirstOrDefault(e => e.ValueKind != JsonValueKind.String || !allowed.Contains(e.GetString())).ToString();
            if (list.ValueKind != JsonValueKind.Array || bad.Length > 0)
            {
                errors.Add("events", $"A list of: {string.Join(", ", allowed)} (empty or absent: every event except job.progress).", InvalidRequest, bad, allowed);
            }
            else
            {
                events = [.. list.EnumerateArray().Select(e => e.GetString()!).Distinct()];
            }
        }

        var description = fields.String(body, "description", string.Empty, InvalidRequest);
        if (description is { Length: > 200 })
        {
            errors.Add("description", "At most 200 characters.", InvalidRequest);
        }

        bool? enabled = body.TryGetProperty("enabled", out var e) ? e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        } : null;
        if (body.TryGetProperty("enabled", out var flag) && enabled is null)
        {
            errors.Add("enabled", "Must be true or false.", InvalidRequest, flag.ToString());
        }

        return (new WebhookRequest(url, events, description, enabled), errors);
    }

    private sealed record WebhookRequest(string? Url, string[]? Events, string? Description, bool? Enabled);
}
