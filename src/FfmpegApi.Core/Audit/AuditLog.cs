using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Audit;

/// <summary>Writes audit events (each in its own small insert) and reads them back for admins.</summary>
public sealed class AuditLog(AppDbContext db, TimeProvider clock)
{
    public async Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        db.AuditEvents.Add(new AuditEvent
        {
            Id = Guid.CreateVersion7(now).ToString(),
            At = now.UtcDateTime,
            Action = entry.Action,
            ActorKeyId = entry.ActorKeyId,
            ActorTenant = entry.ActorTenant,
            ActorIsAdmin = entry.ActorIsAdmin,
            Target = entry.Target,
            TargetTenant = entry.TargetTenant is { } t && t != entry.ActorTenant ? t : null,
            ClientIp = entry.ClientIp,
            Source = entry.Source,
            Detail = entry.Detail is { Length: > 500 } d ? d[..500] : entry.Detail,
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<(List<AuditEvent> Events, int Total)> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var events = db.AuditEvents.AsNoTracking();
        if (query.Action is { } action)
        {
            events = action.EndsWith('.') ? events.Where(e => e.Action.StartsWith(action)) : events.Where(e => e.Action == action);
        }

        if (query.Actor is { } actor)
        {
            events = events.Where(e => e.ActorKeyId == actor);
        }

        if (query.Tenant is { } tenant)
        {
            events = events.Where(e => e.ActorTenant == tenant || e.TargetTenant == tenant);
        }

        if (query.Since is { } since)
        {
            events = events.Where(e => e.At >= since);
        }

        var total = await events.CountAsync(cancellationToken);
        var page = await events.OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Skip((query.Page - 1) * query.PerPage).Take(query.PerPage).ToListAsync(cancellationToken);
        return (page, total);
    }
}

/// <summary>An event to record (the log stamps id and time).</summary>
public sealed record AuditEntry(string Action, string? ActorKeyId, string? ActorTenant, bool ActorIsAdmin, string? Target, string? ClientIp)
{
    public string? TargetTenant { get; init; }

    public string Source { get; init; } = "api";

    public string? Detail { get; init; }
}

public sealed record AuditQuery(string? Action, string? Actor, string? Tenant, DateTime? Since, int Page = 1, int PerPage = 50);
