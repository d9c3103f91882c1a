using System.Diagnostics;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Health;

public enum HealthStatus
{
    Healthy,
    Degraded,
    Unhealthy,
}

/// <summary>One component's state. <see cref="Detail"/> is for people and never holds a path or secret.</summary>
public sealed record ComponentHealth(HealthStatus Status, string Type, string? Version = null, double? LatencyMs = null, string? Detail = null);

public sealed record HealthReport(ComponentHealth Database, ComponentHealth Queue, ComponentHealth Storage, ComponentHealth Ffmpeg)
{
    public IReadOnlyDictionary<string, ComponentHealth> Components => new Dictionary<string, ComponentHealth>(StringComparer.Ordinal)
    {
        ["database"] = Database,
        ["queue"] = Queue,
        ["storage"] = Storage,
        ["ffmpeg"] = Ffmpeg,
    };

    public HealthStatus Overall => Components.Values.Max(c => c.Status);
}

/// <summary>Checks database, queue, storage and ffmpeg; shared by every health endpoint.</summary>
public sealed class HealthProbe(
    AppDbContext db,
    FfmpegTools tools,
    TimeProvider clock,
    IOptions<StorageOptions> storage,
    IOptions<HealthOptions> health,
    IOptions<WorkerOptions> workers)
{
    /// <summary>A queued job waiting longer than this makes the queue "degraded".</summary>
    private static readonly TimeSpan QueueAgeWarning = TimeSpan.FromMinutes(10);

    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync(cancellationToken);
        var queue = database.Status == HealthStatus.Unhealthy
            ? new ComponentHealth(HealthStatus.Unhealthy, "database-queue", Detail: "database unavailable")
            : await QueueAsync(cancellationToken);
        var caps = await tools.GetCapabilitiesAsync();
        var ffmpeg = caps.Version == "unknown"
            ? new ComponentHealth(HealthStatus.Unhealthy, "ffmpeg", Detail: "ffmpeg could not be run")
            : new ComponentHealth(HealthStatus.Healthy, "ffmpeg", caps.Version);
        return new HealthReport(database, queue, Storage(), ffmpeg);
    }

    private string Provider => db.Database.IsNpgsql() ? "postgres" : "sqlite";

    private async Task<ComponentHealth> DatabaseAsync(CancellationToken cancellationToken)
    {
        var clockStart = Stopwatch.GetTimestamp();
        try
        {
            var ok = await db.Database.CanConnectAsync(cancellationToken);
            if (!ok)
            {
                Core.Data.TransientDb.ForgetPooledConnections();
            }

            var latency = Math.Round(Stopwatch.GetElapsedTime(clockStart).TotalMilliseconds, 2);
            return new ComponentHealth(ok ? HealthStatus.Healthy : HealthStatus.Unhealthy, Provider, LatencyMs: latency);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            Core.Data.TransientDb.ForgetPooledConnections();
            return new ComponentHealth(HealthStatus.Unhealthy, Provider, Detail: "database unavailable");
        }
    }

    private async Task<ComponentHealth> QueueAsync(CancellationToken cancellationToken)
    {
        var queued = await db.Jobs.CountAsync(j => j.Status == JobStatus.Queued, cancellationToken);
        var running = await db.Jobs.CountAsync(j => j.Status == JobStatus.Running, cancellationToken);
        var oldest = await db.Jobs.Where(j => j.Status == JobStatus.Queued).OrderBy(j => j.CreatedAt).Select(j => (DateTime?)j.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        var age = oldest is { } o ? clock.GetUtcNow().UtcDateTime - o : TimeSpan.Zero;
        var status = age > QueueAgeWarning ? HealthStatus.Degraded : HealthStatus.Healthy;
        var detail = $"{queued} queued, {running} running, oldest queued {Math.Round(age.TotalSeconds)} s, {(workers.Value.Enabled ? workers.Value.EffectiveConcurrency : 0)} worker slots here";
        return new ComponentHealth(status, "database-queue", Detail: detail);
    }

    private ComponentHealth Storage()
    {
        var freeMb = new DriveInfo(storage.Value.FullDataDir).AvailableFreeSpace / (1024 * 1024);
        var min = health.Value.MinFreeDiskMegabytes;
        var status = freeMb < min ? HealthStatus.Unhealthy : freeMb < min * 2 ? HealthStatus.Degraded : HealthStatus.Healthy;
        return new ComponentHealth(status, "local", Detail: $"{freeMb} MB free (minimum {min} MB)");
    }
}
