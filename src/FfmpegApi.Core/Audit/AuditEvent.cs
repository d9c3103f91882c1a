namespace FfmpegApi.Core.Audit;

/// <summary>
/// One audited action: who (key id, tenant, whether an admin acted), what (action + target), when, from where.
/// Never a secret: keys are named by id or public prefix.
/// </summary>
public sealed class AuditEvent
{
    public required string Id { get; init; }

    public DateTime At { get; init; }

    /// <summary>Dotted action name, e.g. <c>key.create</c>, <c>job.cancel</c>, <c>auth.failure</c>.</summary>
    public required string Action { get; init; }

    public string? ActorKeyId { get; init; }

    public string? ActorTenant { get; init; }

    public bool ActorIsAdmin { get; init; }

    /// <summary>What was acted on (a key id, a job id, a key prefix for failed authentications).</summary>
    public string? Target { get; init; }

    /// <summary>The target's tenant when it differs from the actor's (an admin acting across tenants).</summary>
    public string? TargetTenant { get; init; }

    public string? ClientIp { get; init; }

    /// <summary>Where the action came from: <c>api</c> or <c>cli</c>.</summary>
    public string Source { get; init; } = "api";

    public string? Detail { get; init; }
}

public static class AuditActions
{
    public const string KeyCreate = "key.create";
    public const string KeyRotate = "key.rotate";
    public const string KeyRevoke = "key.revoke";
    public const string KeyUpdate = "key.update";
    public const string JobCreate = "job.create";
    public const string JobCancel = "job.cancel";
    public const string JobRead = "job.read";
    public const string BatchCreate = "batch.create";
    public const string BatchCancel = "batch.cancel";
    public const string AuthFailure = "auth.failure";
    public const string AccessDenied = "auth.denied";
    public const string WebhookCreate = "webhook.create";
    public const string WebhookUpdate = "webhook.update";
    public const string WebhookDelete = "webhook.delete";
    public const string WebhookRotate = "webhook.rotate_secret";
    public const string WebhookDisable = "webhook.disable";
    public const string WebhookReplay = "webhook.replay";
    public const string UploadCreate = "upload.create";
}
