using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Processing;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Hardware;
using FfmpegApi.Media.Specs;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Capabilities;

public static class CapabilitiesEndpoints
{
    // Which demuxers read video containers and which read audio-only files. Only those the installed ffmpeg
    // actually lists are reported.
    private static readonly string[] VideoDemuxers = ["mov", "mp4", "matroska", "webm", "avi", "flv", "mpegts", "mpeg", "mxf", "ogg", "asf", "m4v", "3gp", "gif", "apng", "nut", "dv", "gxf", "yuv4mpegpipe", "h264", "hevc", "ivf"];
    private static readonly string[] MetricFilters = ["psnr", "ssim", "libvmaf"];
    private static readonly string[] AudioDemuxers = ["mp3", "aac", "wav", "flac", "ogg", "opus", "m4a", "aiff", "ac3", "eac3", "dts", "tta", "ape", "amr", "au", "caf", "w64", "wv"];

    /// <summary>Readable without a key, as in the original API, unless <c>Api:CapabilitiesRequireKey</c> is true.</summary>
    public static RouteGroupBuilder MapCapabilities(this RouteGroupBuilder api, bool requireKey)
    {
        var endpoint = api.MapGet("/capabilities", GetAsync).WithName("GetCapabilities").WithTags("System")
            .WithSummary("What the installed ffmpeg can do, and which formats/codecs jobs may use");
        if (!requireKey)
        {
            endpoint.AllowAnonymous();
        }

        return api;
    }

    internal static async Task<CapabilitiesResponse> GetAsync(FfmpegTools tools, Core.Processing.Hardware.HardwareService hardware, Core.Upscaling.UpscaleModels upscale, IOptions<JobOptions> jobs, IOptions<WorkerOptions> workers)
    {
        var caps = await tools.GetCapabilitiesAsync();
        var devices = caps.Devices ?? [];
        var inventory = await hardware.GetInventoryAsync();
        var demuxers = caps.InputFormats.ToHashSet(StringComparer.Ordinal);
        var metrics = MetricFilters.Where(f => f != "libvmaf" && caps.Filters.Contains(f)).ToList();
        if (await tools.HasVmafAsync())
        {
            // VMAF may come from a second, libvmaf-capable ffmpeg (Ffmpeg:VmafFfmpegPath).
            metrics.Insert(0, "vmaf");
        }

        return new CapabilitiesResponse(
            caps.Version,
            new FeaturesView("v1", null, jobs.Value.MaxTimeoutSeconds, workers.Value.EffectiveConcurrency, jobs.Value.MaxOperations),
            new FormatsView(
                new InputFormatsView([.. VideoDemuxers.Where(demuxers.Contains)], [.. AudioDemuxers.Where(demuxers.Contains)])
                {
                    Demuxers = caps.InputFormats,
                    Refused = [.. caps.Demuxers.Except(caps.InputFormats).Distinct().Order(StringComparer.Ordinal).Select(d => new RefusedFormatView(d, DemuxerPolicy.Reason(d, devices)))],
                },
                OutputFormats.View(caps)),
            Requests.Operations.OperationsReader.Supported,
            caps.Filters,
            new AnalysisView(metrics, AnalysisView.Probed),
            ["local"],
            new HardwareAccelerationView(inventory.Devices.Count > 0, caps.HwAccels)
            {
                Devices = [.. inventory.Devices.Select(d => new HardwareDeviceView(d.Name, HardwareCatalog.Key(d.Vendor), d.Node, d.Decoders, d.Encoders, d.Scale, d.Assumed, hardware.InUse(d), hardware.Limit(d.Vendor)))],
                Unavailable = [.. inventory.Notes.Select(n => new HardwareNoteView(HardwareCatalog.Key(n.Vendor), n.Reason))],
            },
            caps.Encoders,
            caps.Decoders,
            caps.HwAccels)
        {
            Upscale = new UpscaleView(
                upscale.ExecutionProvider,
                upscale.GpuUnavailableReason,
                [.. upscale.Statuses().Select(m => new UpscaleModelView(m.Name, m.Scale, m.Layout, m.File, m.Available, m.Problem))]),
        };
    }
}

/// <summary>The original API's capability keys, filled from the installed ffmpeg, plus the full encoder/decoder lists.</summary>
public sealed record CapabilitiesResponse(
    string Version,
    FeaturesView Features,
    FormatsView Formats,
    IReadOnlyList<string> Operations,
    IReadOnlyList<string> Filters,
    AnalysisView Analysis,
    IReadOnlyList<string> StorageBackends,
    HardwareAccelerationView HardwareAcceleration,
    IReadOnlyList<CodecEntry> Encoders,
    IReadOnlyList<CodecEntry> Decoders,
    IReadOnlyList<string> Hwaccels)
{
    /// <summary>AI upscaling on this machine: where inference runs and the configured models.</summary>
    public UpscaleView? Upscale { get; init; }
}

/// <summary>
/// <c>execution_provider</c>: cpu or cuda (chosen at start); <c>gpu_unavailable</c>: why not cuda; <c>models</c>: the
/// configured models (operation <c>upscale</c>, field <c>model</c>) and whether each loads here.
/// </summary>
public sealed record UpscaleView(string ExecutionProvider, string? GpuUnavailable, IReadOnlyList<UpscaleModelView> Models);

/// <summary>A configured model: its scale, tensor layout, file name (not the path), and the reason it cannot be used, if any.</summary>
public sealed record UpscaleModelView(string Name, int Scale, string Layout, string File, bool Available, string? Problem);

/// <summary><c>max_file_size</c> is null: inputs are read from storage mounts, with no upload size limit yet.</summary>
public sealed record FeaturesView(string ApiVersion, long? MaxFileSize, int MaxJobDuration, int ConcurrentJobs, int MaxOperations);

public sealed record FormatsView(InputFormatsView Input, OutputFormatsView Output);

/// <summary>
/// <c>video</c>/<c>audio</c>: well-known container names (the original API's keys) this server reads;
/// <c>demuxers</c>: every demuxer an input may use (the build's, minus the refused); <c>refused</c>: the build's
/// demuxers inputs may not use, each with the reason (docs/media.md).
/// </summary>
public sealed record InputFormatsView(IReadOnlyList<string> Video, IReadOnlyList<string> Audio)
{
    public IReadOnlyList<string> Demuxers { get; init; } = [];

    public IReadOnlyList<RefusedFormatView> Refused { get; init; } = [];
}

/// <summary>A demuxer of the build that inputs may not use, and why.</summary>
public sealed record RefusedFormatView(string Name, string Reason);

/// <summary>
/// The containers and codecs a job may ask for on this server: the names (the original API's keys), and per container
/// what this ffmpeg writes into it (<c>formats</c>, found by a trial mux and read-back at start-up; <c>tried</c> is
/// false when that could not run and ffmpeg then decides per job).
/// </summary>
public sealed record OutputFormatsView(IReadOnlyList<string> Containers, IReadOnlyList<string> VideoCodecs, IReadOnlyList<string> AudioCodecs)
{
    public bool Tried { get; init; }

    public IReadOnlyList<OutputContainerView> Formats { get; init; } = [];

    public IReadOnlyList<OutputCodecView> Codecs { get; init; } = [];
}

/// <summary>
/// One output container: its names, the ffmpeg muxer, its defaults and the codecs it takes here.
/// <c>audio_alone</c>: whether it may hold audio with no video (MXF may not).
/// </summary>
public sealed record OutputContainerView(
    string Name,
    IReadOnlyList<string> Aliases,
    string Extension,
    string Muxer,
    bool AudioOnly,
    bool AudioAlone,
    string? DefaultVideoCodec,
    string? DefaultAudioCodec,
    IReadOnlyList<string> VideoCodecs,
    IReadOnlyList<string> AudioCodecs);

/// <summary>One output codec name: video or audio, the other names it is asked for by, and this ffmpeg's encoders for it.</summary>
public sealed record OutputCodecView(string Name, string Type, IReadOnlyList<string> Aliases, IReadOnlyList<string> Encoders);

/// <summary>
/// <c>metrics</c>: what <c>POST /analyze</c> with a reference computes; <c>probing</c>: what it reports about an input
/// without one (as the original listed it).
/// </summary>
public sealed record AnalysisView(IReadOnlyList<string> Metrics, IReadOnlyList<string> Probing)
{
    public static readonly IReadOnlyList<string> Probed = ["format", "streams"];
}

/// <summary>
/// <c>available</c>: a device of this machine passed its trials; <c>types</c>: the hwaccels the ffmpeg build lists
/// (not proof of hardware); <c>devices</c>: what each working device decodes, encodes and scales, with its sessions;
/// <c>unavailable</c>: why each other vendor is not used.
/// </summary>
public sealed record HardwareAccelerationView(bool Available, IReadOnlyList<string> Types)
{
    public IReadOnlyList<HardwareDeviceView> Devices { get; init; } = [];

    public IReadOnlyList<HardwareNoteView> Unavailable { get; init; } = [];

    /// <summary>What <c>options.hardware_acceleration</c> accepts.</summary>
    public IReadOnlyList<string> Modes { get; init; } = ["auto", "none", "nvidia", "intel", "vaapi"];
}

/// <summary>A device that passed its trials (or was assumed by <c>Hardware:Assume</c>), with its sessions in use and the limit.</summary>
public sealed record HardwareDeviceView(string Name, string Vendor, string Node, IReadOnlyList<string> Decoders, IReadOnlyList<string> Encoders, bool Scale, bool Assumed, int SessionsInUse, int MaxSessions);

public sealed record HardwareNoteView(string Vendor, string Reason);
