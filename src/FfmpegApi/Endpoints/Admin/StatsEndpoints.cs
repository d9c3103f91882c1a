using FfmpegApi.Core.Backup;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Observability;
using FfmpegApi.Core.Processing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Admin;

/// <summary><c>GET /api/v1/admin/stats</c>: the numbers the dashboards show, for people without Prometheus.</summary>
public static class StatsEndpoints
{
    private static readonly string[] Priorities = ["low", "normal", "high"];

    public static RouteGroupBuilder MapAdminStats(this RouteGroupBuilder admin)
    {
        admin.MapGet("/stats", GetAsync).WithName("GetStats")
            .WithSummary("Queue depth and age by priority, running jobs, live workers, jobs ended in the last 24 h, last backup, free disk");
        return admin;
    }

    internal static async Task<Ok<StatsResponse>> GetAsync(AppDbContext db, TimeProvider clock, IOptions<WorkerOptions> workers, IOptions<StorageOptions> storage, BackupRunner backups, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var cluster = await ClusterSnapshot.ReadAsync(db, now, workers.Value.StaleAfter, cancellationToken);
        var since = now.AddHours(-24);
        var ended = await db.Jobs.AsNoTracking().Where(j => j.CompletedAt >= since).GroupBy(j => j.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var newest = backups.Newest();
        return TypedResults.Ok(new StatsResponse(
            now,
            new QueueStats(
                Priorities.Select((p, i) => (p, (long)cluster.Depth[i])).ToDictionary(x => x.p, x => x.Item2),
                Priorities.Select((p, i) => (p, Math.Round(cluster.OldestAgeSeconds[i], 1))).ToDictionary(x => x.p, x => x.Item2)),
            cluster.Running,
            cluster.Workers,
            ended.ToDictionary(e => JobStateMachine.ToWire(e.Key), e => (long)e.Count),
            newest is null ? null : new BackupStats(newest.File, newest.CreatedAt, newest.SizeBytes),
            ClusterGauges.FreeSpace(storage.Value)));
    }
}

public sealed record StatsResponse(DateTime At, QueueStats Queue, int RunningJobs, int LiveWorkers, IReadOnlyDictionary<string, long> EndedLast24h, BackupStats? LastBackup, IReadOnlyDictionary<string, long> DiskFreeBytes);

public sealed record QueueStats(IReadOnlyDictionary<string, long> Depth, IReadOnlyDictionary<string, double> OldestAgeSeconds);

public sealed record BackupStats(string File, DateTime CreatedAt, long SizeBytes);
