using FfmpegApi.Core.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Webhooks;

/// <summary>
/// Webhook signing secrets: generated here, stored encrypted (ASP.NET Core Data Protection, key ring in the
/// database so every process can read them), rotated with an overlap during which both secrets sign.
/// </summary>
public sealed class WebhookSecrets(AppDbContext db, IDataProtectionProvider protection, TimeProvider clock, IOptions<WebhookOptions> options)
{
    private readonly IDataProtector _protector = protection.CreateProtector("FfmpegApi.Webhooks.Secret.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);

    /// <summary>The secrets that sign now: the current one, and the previous one while its overlap lasts.</summary>
    public IReadOnlyList<string> Signing(ISigningSecret stored)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return stored.PreviousSecretProtected is { } previous && stored.PreviousSecretExpiresAt > now
            ? [Unprotect(stored.SecretProtected), Unprotect(previous)]
            : [Unprotect(stored.SecretProtected)];
    }

    /// <summary>Replaces the secret, keeping the previous one signing for <c>Webhooks:SecretOverlapSeconds</c>; returns the new secret (shown once).</summary>
    public string Rotate(ISigningSecret stored)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var secret = WebhookSignature.NewSecret();
        stored.PreviousSecretProtected = stored.SecretProtected;
        stored.PreviousSecretExpiresAt = now.AddSeconds(options.Value.SecretOverlapSeconds);
        stored.SecretProtected = Protect(secret);
        stored.UpdatedAt = now;
        return secret;
    }

    /// <summary>The tenant's secret for per-job webhooks, created on first use (a concurrent creator wins the insert).</summary>
    public async Task<TenantWebhookSecret> TenantSecretAsync(string tenantId, CancellationToken cancellationToken)
    {
        if (await db.TenantWebhookSecrets.FirstOrDefaultAsync(s => s.TenantId == tenantId, cancellationToken) is { } existing)
        {
            return existing;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var created = new TenantWebhookSecret { TenantId = tenantId, SecretProtected = Protect(WebhookSignature.NewSecret()), CreatedAt = now, UpdatedAt = now };
        db.TenantWebhookSecrets.Add(created);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return created;
        }
        catch (DbUpdateException)
        {
            db.Entry(created).State = EntityState.Detached;
            return await db.TenantWebhookSecrets.FirstAsync(s => s.TenantId == tenantId, cancellationToken);
        }
    }

    /// <summary>Rotates the tenant's per-job secret; returns the new secret.</summary>
    public async Task<string> RotateTenantSecretAsync(string tenantId, CancellationToken cancellationToken)
    {
        var secret = Rotate(await TenantSecretAsync(tenantId, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        return secret;
    }
}
