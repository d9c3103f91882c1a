using System.Diagnostics.Metrics;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// The state of the whole cluster as gauges, read from the database every <see cref="Every"/> (not on each scrape):
/// <c>ffmpegapi.queue.depth</c> and <c>ffmpegapi.queue.oldest_age</c> by priority, <c>ffmpegapi.jobs.running</c>,
/// <c>ffmpegapi.workers.alive</c> (heartbeat within <c>Worker:StaleAfter</c>); and this machine's free space on the data
/// and workspace volumes (<c>ffmpegapi.disk.free</c>). Every API process reports the same cluster numbers: aggregate
/// with <c>max</c>, not <c>sum</c>.
/// </summary>
public sealed partial class ClusterGauges : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(5);
    private static readonly string[] Priorities = ["low", "normal", "high"];

    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _clock;
    private readonly WorkerOptions _workers;
    private readonly StorageOptions _storage;
    private readonly ILogger<ClusterGauges> _logger;
    private readonly Meter _meter;
    private volatile ClusterSnapshot _last = new([0, 0, 0], [0, 0, 0], 0, 0);

    public ClusterGauges(IServiceScopeFactory scopes, TimeProvider clock, IOptions<WorkerOptions> workers, IOptions<StorageOptions> storage, IMeterFactory meters, ILogger<ClusterGauges> logger)
    {
        (_scopes, _clock, _workers, _storage, _logger) = (scopes, clock, workers.Value, storage.Value, logger);
        _meter = meters.Create(Processing.JobMetrics.MeterName);
        _meter.CreateObservableGauge("ffmpegapi.queue.depth", () => ByPriority(_last.Depth), description: "Queued jobs, by priority");
        _meter.CreateObservableGauge("ffmpegapi.queue.oldest_age", () => ByPriority(_last.OldestAgeSeconds), "s", "Age of the oldest queued job that may run now, by priority");
        _meter.CreateObservableGauge("ffmpegapi.jobs.running", () => _last.Running, description: "Jobs running in the cluster");
        _meter.CreateObservableGauge("ffmpegapi.workers.alive", () => _last.Workers, description: "Worker processes with a recent heartbeat");
        _meter.CreateObservableGauge("ffmpegapi.disk.free", DiskFree, "By", "Free bytes on the data and workspace volumes of this machine");
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every, _clock);
        try
        {
            do
            {
                try
                {
                    await using var scope = _scopes.CreateAsyncScope();
                    _last = await ClusterSnapshot.ReadAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), _clock.GetUtcNow().UtcDateTime, _workers.StaleAfter, stoppingToken);
                }
                catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
                {
                    LogReadFailed(_logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static IEnumerable<Measurement<double>> ByPriority(double[] values) =>
        values.Select((v, i) => new Measurement<double>(v, new KeyValuePair<string, object?>("priority", Priorities[i])));

    private IEnumerable<Measurement<long>> DiskFree() =>
        FreeSpace(_storage).Select(v => new Measurement<long>(v.Value, new KeyValuePair<string, object?>("volume", v.Key)));

    /// <summary>Free bytes on the data and workspace volumes (a volume that cannot be measured is left out).</summary>
    public static Dictionary<string, long> FreeSpace(StorageOptions storage)
    {
        var free = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (volume, path) in new[] { ("data", storage.FullDataDir), ("workspace", storage.WorkspaceRoot) })
        {
            try
            {
                free[volume] = new DriveInfo(Directory.Exists(path) ? path : storage.FullDataDir).AvailableFreeSpace;
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                // Not measurable here.
            }
        }

        return free;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the cluster gauges failed; keeping the last values")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);

}

/// <summary>The cluster's queue, running jobs and live workers, as read from the database (index = priority: low, normal, high).</summary>
public sealed record ClusterSnapshot(double[] Depth, double[] OldestAgeSeconds, int Running, int Workers)
{
    public static async Task<ClusterSnapshot> ReadAsync(AppDbContext db, DateTime now, TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        var queued = await db.Jobs.AsNoTracking().Where(j => j.Status == JobStatus.Queued)
            .GroupBy(j => j.Priority)
            .Select(g => new { Priority = g.Key, Count = g.Count(), Oldest = g.Where(j => j.RunAfter == null || j.RunAfter <= now).Min(j => (DateTime?)j.CreatedAt) })
            .ToListAsync(cancellationToken);
        var depth = new double[3];
        var age = new double[3];
        foreach (var row in queued.Where(r => (int)r.Priority is >= 0 and < 3))
        {
            depth[(int)row.Priority] = row.Count;
            age[(int)row.Priority] = row.Oldest is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : 0;
        }

        var running = await db.Jobs.CountAsync(j => j.Status == JobStatus.Running, cancellationToken);
        var since = now - staleAfter;
        var workers = await db.Workers.CountAsync(w => w.StoppedAt == null && w.HeartbeatAt >= since, cancellationToken);
        return new ClusterSnapshot(depth, age, running, workers);
    }
}
