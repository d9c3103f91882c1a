using FfmpegApi.Media.Hardware;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Core.Jobs;

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
        | (needs.Device is { } vendor ? Flag(vendor) : WorkerCapability.None)
        | (needs.Upscale ? WorkerCapability.Upscale : WorkerCapability.None)
        | (needs.UpscaleGpu ? WorkerCapability.UpscaleGpu : WorkerCapability.None);

    /// <summary>Flags as names for people (<c>["vmaf"]</c>).</summary>
    public static IReadOnlyList<string> Names(WorkerCapability capabilities) =>
        [.. Enum.GetValues<WorkerCapability>().Where(c => c != WorkerCapability.None && capabilities.HasFlag(c)).Select(c => c.ToString().ToLowerInvariant())];

    /// <summary>The flag of a video device vendor.</summary>
    public static WorkerCapability Flag(HardwareVendor vendor) => vendor switch
    {
        HardwareVendor.Nvidia => WorkerCapability.Nvidia,
        HardwareVendor.Intel => WorkerCapability.Intel,
        _ => WorkerCapability.Vaapi,
    };
}
