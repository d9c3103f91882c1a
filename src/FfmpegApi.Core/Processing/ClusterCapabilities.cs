using FfmpegApi.Core.Jobs;
using FfmpegApi.Media.Specs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// What the cluster can run: this machine's capabilities plus those of every worker that sent a heartbeat recently
/// (read at most every 5 s). An API process without libvmaf accepts VMAF jobs when a VMAF-capable worker is alive; the
/// claim then routes them to it.
/// </summary>
public sealed class ClusterCapabilities(
    IServiceScopeFactory scopes,
    Hardware.HardwareService hardware,
    TimeProvider clock,
    IOptions<Configuration.WorkerOptions> options)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private (DateTime At, WorkerCapability Value)? _remote;

    public async Task<WorkerCapability> AvailableAsync(CancellationToken cancellationToken = default)
    {
        var local = await hardware.WorkerCapabilitiesAsync();
        var now = clock.GetUtcNow().UtcDateTime;
        if (_remote is not { } cached || now - cached.At > CacheFor)
        {
            var since = now - options.Value.StaleAfter;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<Data.AppDbContext>();
            var provided = await db.Workers.Where(w => w.StoppedAt == null && w.HeartbeatAt >= since).Select(w => w.Provides).ToListAsync(cancellationToken);
            cached = (now, provided.Aggregate(WorkerCapability.None, (all, p) => all | (WorkerCapability)p));
            _remote = cached;
        }

        return local | cached.Value;
    }

    /// <summary>
    /// A check for submissions naming a vendor: null when a live worker (or this process) offers it, else why not,
    /// with this machine's detection result (e.g. "no NVIDIA GPU is visible").
    /// </summary>
    public async Task<Func<Media.Hardware.HardwareVendor, string?>> HardwareCheckAsync(CancellationToken cancellationToken = default)
    {
        var available = await AvailableAsync(cancellationToken);
        var local = await hardware.GetInventoryAsync();
        return vendor => available.HasFlag(JobRequirements.Flag(vendor))
            ? null
            : $"no worker has {Media.Hardware.HardwareCatalog.Label(vendor)} hardware (this machine: {local.WhyUnavailable(vendor)})";
    }
}
