using System.Collections.Concurrent;
using System.Security.Claims;
using FfmpegApi.Core.Audit;

namespace FfmpegApi.Security;

/// <summary>Records audit events for the current request: the caller's key, tenant, admin flag and client address.</summary>
public static class AuditRecorder
{
    // Failed authentications are recorded at most once a minute per address and prefix, so a flood of bad keys
    // cannot turn into a flood of inserts (the rate limiter only sees requests after authentication).
    private static readonly ConcurrentDictionary<string, DateTime> LastFailure = new(StringComparer.Ordinal);

    private static readonly Action<Microsoft.Extensions.Logging.ILogger, string, string?, Exception?> AuditLost =
        Microsoft.Extensions.Logging.LoggerMessage.Define<string, string?>(Microsoft.Extensions.Logging.LogLevel.Warning, new Microsoft.Extensions.Logging.EventId(4100, "AuditLost"), "Audit event {Action} for {Target} was not recorded: the database failed after the change had committed");

    /// <summary>
    /// Audits a change that has already committed (a job or batch created): a database failure now must not turn the
    /// client's success into an error (it would retry and create the job twice); the lost audit row is logged instead.
    /// </summary>
    public static async Task AuditCommittedAsync(this HttpContext context, string action, string? target, string? targetTenant = null, string? detail = null)
    {
        try
        {
            await context.AuditAsync(action, target, targetTenant, detail);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or Microsoft.EntityFrameworkCore.DbUpdateException or InvalidOperationException or TimeoutException)
        {
            AuditLost(context.RequestServices.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger("FfmpegApi.Audit"), action, target, e);
        }
    }

    public static Task AuditAsync(this HttpContext context, string action, string? target, string? targetTenant = null, string? detail = null)
    {
        var user = context.User;
        var entry = new AuditEntry(
            action,
            user.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim),
            user.FindFirstValue(ApiKeyAuthenticationHandler.TenantClaim),
            user.IsInRole(ApiKeyAuthenticationHandler.AdminRole),
            target,
            ClientIp(context))
        {
            TargetTenant = targetTenant,
            Detail = detail,
        };
        return context.RequestServices.GetRequiredService<AuditLog>().RecordAsync(entry, CancellationToken.None);
    }

    /// <summary>A failed authentication, named by the presented key's public prefix (never the secret).</summary>
    public static Task AuditFailureAsync(this HttpContext context, string? prefix, TimeProvider clock, string detail = "invalid, revoked or expired API key")
    {
        var ip = ClientIp(context);
        var now = clock.GetUtcNow().UtcDateTime;
        var throttleKey = $"{ip}|{prefix}";
        if (LastFailure.TryGetValue(throttleKey, out var last) && now - last < TimeSpan.FromMinutes(1))
        {
            return Task.CompletedTask;
        }

        LastFailure[throttleKey] = now;
        if (LastFailure.Count > 10_000)
        {
            LastFailure.Clear();
        }

        var entry = new AuditEntry(AuditActions.AuthFailure, null, null, false, prefix is null ? null : $"fa_{prefix}_", ip) { Detail = detail };
        return context.RequestServices.GetRequiredService<AuditLog>().RecordAsync(entry, CancellationToken.None);
    }

    private static string? ClientIp(HttpContext context) =>
        context.RequestServices.GetRequiredService<IpAllowlist>().ClientAddress(context)?.ToString();
}
