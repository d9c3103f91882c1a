using FfmpegApi.Media.Specs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// What a job may need that not every worker has. A job stores the flags it needs (<c>jobs.requires</c>); a worker
/// claims only jobs whose flags are all among its own (<c>(requires &amp; ~mine) = 0</c>), so jobs route to capable
/// workers inside the claim. Hardware and model flags join this list as those features land.
/// </summary>
[Flags]
public enum WorkerCapability
{
    None = 0,

    /// <summary>An ffmpeg with libvmaf and the VMAF model (analysis with <c>vmaf</c>).</summary>
    Vmaf = 1,

    /// <summary>A working NVIDIA device (jobs with <c>hardware_acceleration: nvidia</c>).</summary>
    Nvidia = 2,

    /// <summary>A working Intel Quick Sync device.</summary>
    Intel = 4,

    /// <summary>A working VAAPI device.</summary>
    Vaapi = 8,

    /// <summary>ONNX Runtime with at least one upscale model that loads (jobs with an <c>upscale</c> operation).</summary>
    Upscale = 16,

    /// <summary>Upscale inference on a GPU (CUDA execution provider; upscale operations with <c>device: gpu</c>).</summary>
    UpscaleGpu = 32,
}

public static class JobRequirements
{
    /// <summary>The video hardware flags, whose devices have a limited number of sessions (<c>Hardware:MaxSessions</c>).</summary>
    public const WorkerCapability Devices = WorkerCapability.Nvidia | WorkerCapability.Intel | WorkerCapability.Vaapi;

    /// <summary>The capabilities a job spec needs.</summary>
    public static WorkerCapability Needs(JobSpec spec) => Flags(spec.Needs);

    /// <summary>A kind's <see cref="WorkerNeeds"/> as the flags the claim compares.</summary>
    public static WorkerCapability Flags(WorkerNeeds needs) =>
        (needs.Vmaf ? WorkerCapability.Vmaf : WorkerCapability.None)
        | (needs.Device is { } vendor ? Hardware.HardwareService.Flag(vendor) : WorkerCapability.None)
        | (needs.Upscale ? WorkerCapability.Upscale : WorkerCapability.None)
        | (needs.UpscaleGpu ? WorkerCapability.UpscaleGpu : WorkerCapability.None);

    /// <summary>Flags as names for people (<c>["vmaf"]</c>).</summary>
    public static IReadOnlyList<string> Names(WorkerCapability capabilities) =>
        [.. Enum.GetValues<WorkerCapability>().Where(c => c != WorkerCapability.None && capabilities.HasFlag(c)).Select(c => c.ToString().ToLowerInvariant())];
}

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
        return vendor => available.HasFlag(Hardware.HardwareService.Flag(vendor))
            ? null
            : $"no worker has {Media.Hardware.HardwareCatalog.Label(vendor)} hardware (this machine: {local.WhyUnavailable(vendor)})";
    }
}
