using System.Text.Json;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing;

/// <summary>A worker process as it registered itself: where it runs, what it can do, when it was last alive.</summary>
public sealed class WorkerRecord
{
    /// <summary><see cref="WorkerIdentity.InstanceId"/>; its claim loops own leases as <c>{Id}/{slot}</c>.</summary>
    public required string Id { get; init; }

    public required string Host { get; init; }

    public int ProcessId { get; init; }

    public int Concurrency { get; init; }

    public required string Version { get; init; }

    /// <summary>The <see cref="WorkerCapability"/> flags this worker claims jobs for.</summary>
    public int Provides { get; init; }

    /// <summary>JSON of <see cref="WorkerCapabilities"/>.</summary>
    public required string CapabilitiesJson { get; set; }

    public DateTime StartedAt { get; init; }

    public DateTime HeartbeatAt { get; set; }

    public DateTime? StoppedAt { get; set; }
}

/// <summary>What a worker can run: the ffmpeg it has, its hardware accelerations, VMAF, and how many encoders.</summary>
public sealed record WorkerCapabilities(string Ffmpeg, IReadOnlyList<string> HwAccels, bool Vmaf, int Encoders, int Decoders, int Filters)
{
    /// <summary>The job requirements this worker satisfies (<see cref="WorkerCapability"/> names); jobs needing others skip it.</summary>
    public IReadOnlyList<string> Routes { get; init; } = [];

    /// <summary>Video hardware that passed its trials at start (decoders, encoders, scaler per device).</summary>
    public IReadOnlyList<Media.Hardware.HardwareDevice> Hardware { get; init; } = [];

    /// <summary>Why each vendor without a device is not used here.</summary>
    public IReadOnlyList<Media.Hardware.HardwareNote> HardwareNotes { get; init; } = [];
}

/// <summary>
/// Registers this process's workers in the database and keeps a heartbeat (<c>Worker:HeartbeatSeconds</c>), so
/// operators see every worker, alive or not, in <c>GET /api/v1/admin/workers</c>. Marks itself stopped on a clean
/// stop; rows silent for a day are removed.
/// </summary>
public sealed partial class WorkerHeartbeat(
    IServiceScopeFactory scopes,
    WorkerIdentity identity,
    FfmpegTools tools,
    Hardware.HardwareService hardware,
    TimeProvider clock,
    IOptions<WorkerOptions> options,
    ILogger<WorkerHeartbeat> logger) : BackgroundService
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var caps = await tools.GetCapabilitiesAsync();
        var provides = await hardware.WorkerCapabilitiesAsync();
        var devices = await hardware.GetInventoryAsync();
        var capabilities = new WorkerCapabilities(caps.Version, caps.HwAccels, provides.HasFlag(WorkerCapability.Vmaf), caps.Encoders.Count, caps.Decoders.Count, caps.Filters.Count)
        {
            Routes = JobRequirements.Names(provides),
            Hardware = devices.Devices,
            HardwareNotes = devices.Notes,
        };
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.HeartbeatSeconds), clock);
        var registered = false;
        try
        {
            do
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                    var now = clock.GetUtcNow().UtcDateTime;
                    if (!registered)
                    {
                        db.Workers.Add(new WorkerRecord
                        {
                            Id = identity.InstanceId,
                            Host = Environment.MachineName,
                            ProcessId = Environment.ProcessId,
                            Concurrency = options.Value.EffectiveConcurrency,
                            Version = typeof(WorkerHeartbeat).Assembly.GetName().Version?.ToString() ?? "0",
                            CapabilitiesJson = JsonSerializer.Serialize(capabilities, JsonDefaults.Options),
                            Provides = (int)provides,
                            StartedAt = now,
                            HeartbeatAt = now,
                        });
                        await db.SaveChangesAsync(stoppingToken);
                        registered = true;
                        var cutoff = now - Retention;
                        await db.Workers.Where(w => w.HeartbeatAt < cutoff).ExecuteDeleteAsync(stoppingToken);
                    }
                    else
                    {
                        await db.Workers.Where(w => w.Id == identity.InstanceId).ExecuteUpdateAsync(s => s.SetProperty(w => w.HeartbeatAt, now), stoppingToken);
                    }
                }
                catch (Exception ex) when (ex is DbUpdateException or System.Data.Common.DbException or InvalidOperationException)
                {
                    LogHeartbeatFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var now = clock.GetUtcNow().UtcDateTime;
            await db.Workers.Where(w => w.Id == identity.InstanceId).ExecuteUpdateAsync(s => s.SetProperty(w => w.StoppedAt, now).SetProperty(w => w.HeartbeatAt, now), cancellationToken);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or OperationCanceledException)
        {
            LogHeartbeatFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker heartbeat failed; retrying at the next beat")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception);
}
