using System.Text.Json;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Admin;

/// <summary><c>GET /api/v1/admin/workers</c>: every worker process seen in the last day, its heartbeat, capabilities and running jobs.</summary>
public static class WorkersEndpoints
{
    public static RouteGroupBuilder MapAdminWorkers(this RouteGroupBuilder admin)
    {
        admin.MapGet("/workers", ListAsync).WithName("ListWorkers")
            .WithSummary("Worker processes: alive, stale (missed 3 heartbeats) or stopped, with capabilities and running jobs");
        return admin;
    }

    internal static async Task<Ok<WorkerListResponse>> ListAsync(AppDbContext db, TimeProvider clock, IOptions<WorkerOptions> options, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var staleAfter = options.Value.StaleAfter;
        var workers = await db.Workers.AsNoTracking().OrderByDescending(w => w.StartedAt).ToListAsync(cancellationToken);
        var running = await db.Jobs.AsNoTracking().Where(j => j.Status == JobStatus.Running && j.LeaseOwner != null)
            .Select(j => new { j.Id, j.LeaseOwner }).ToListAsync(cancellationToken);
        var byWorker = running.ToLookup(j => j.LeaseOwner![..Math.Max(0, j.LeaseOwner!.LastIndexOf('/'))], j => j.Id, StringComparer.Ordinal);
        var views = workers.Select(w => new WorkerView(
            w.Id,
            w.StoppedAt is not null ? "stopped" : now - w.HeartbeatAt > staleAfter ? "stale" : "alive",
            w.Host,
            w.ProcessId,
            w.Concurrency,
            w.Version,
            JsonSerializer.Deserialize<WorkerCapabilities>(w.CapabilitiesJson, JsonDefaults.Options)!,
            w.StartedAt,
            w.HeartbeatAt,
            w.StoppedAt,
            [.. byWorker[w.Id]])).ToList();
        return TypedResults.Ok(new WorkerListResponse(views, views.Count(v => v.Status == "alive"), running.Count));
    }
}

public sealed record WorkerView(
    string Id,
    string Status,
    string Host,
    int ProcessId,
    int Concurrency,
    string Version,
    WorkerCapabilities Capabilities,
    DateTime StartedAt,
    DateTime HeartbeatAt,
    DateTime? StoppedAt,
    IReadOnlyList<string> RunningJobs);

public sealed record WorkerListResponse(IReadOnlyList<WorkerView> Workers, int Alive, int RunningJobs);
