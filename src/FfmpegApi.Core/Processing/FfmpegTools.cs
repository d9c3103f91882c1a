using FfmpegApi.Core.Caching;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Process;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// The installed ffmpeg: its capabilities and ffprobe, both cached (see <see cref="CacheOptions"/>) when a cache is
/// given — capabilities by the binary's identity, probes by the file's path, size and modification time.
/// </summary>
public sealed partial class FfmpegTools(IOptions<FfmpegOptions> options, HybridCache? cache = null, CacheMetrics? cacheMetrics = null, IOptions<CacheOptions>? cacheOptions = null)
{
    private readonly Lazy<Task<string?>> _vmaf = new(() => FindVmafAsync(options.Value));
    private readonly CacheOptions _cacheOptions = cacheOptions?.Value ?? new CacheOptions();

    public string FfmpegPath => options.Value.FfmpegPath;

    public string FfprobePath => options.Value.FfprobePath;

    /// <summary>An ffmpeg that has the libvmaf filter (checked by running it once), or null: VMAF is unavailable.</summary>
    public Task<string?> GetVmafFfmpegAsync() => _vmaf.Value;

    /// <summary>Whether VMAF can be computed here: a libvmaf-capable ffmpeg and the model file are both present.</summary>
    public async Task<bool> HasVmafAsync() => await GetVmafFfmpegAsync() is not null && VmafModelPath is not null;

    /// <summary>What this machine offers to jobs that need more than plain ffmpeg (see <see cref="WorkerCapability"/>).</summary>
    public async Task<WorkerCapability> GetWorkerCapabilitiesAsync() => await HasVmafAsync() ? WorkerCapability.Vmaf : WorkerCapability.None;

    /// <summary>The VMAF model file, or null when it is missing.</summary>
    public string? VmafModelPath
    {
        get
        {
            var path = string.IsNullOrWhiteSpace(options.Value.VmafModelPath)
                ? Path.Combine(AppContext.BaseDirectory, "assets", "vmaf", "vmaf_v0.6.1.pkl")
                : options.Value.VmafModelPath;
            return File.Exists(path) ? path : null;
        }
    }

    /// <summary>Probes a file without the cache; returns null with the reason when it is not readable media.</summary>
    private async Task<(MediaInfo? Info, string? Error)> ProbeUncachedAsync(string physicalPath, CancellationToken cancellationToken)
    {
        var capabilities = await GetInputCapabilitiesAsync();
        var result = await FfmpegProcess.CaptureAsync(FfprobePath, FfprobeParser.Arguments(physicalPath, capabilities.InputFormatWhitelist), TimeSpan.FromSeconds(options.Value.ProbeTimeoutSeconds), cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        if (result.Stopped)
        {
            return (null, "ffprobe timed out.");
        }

        if (InputRefusal.Find(result.StderrTail, capabilities.Devices ?? []) is { } refused)
        {
            return (null, refused);
        }

        var info = result.ExitCode == 0 ? FfprobeParser.Parse(result.Stdout) : null;
        if (info is null || !info.HasMedia)
        {
            return (null, result.LastError ?? "No audio or video stream found.");
        }

        return (info, null);
    }

    /// <summary>The HDR10 static metadata of a file's first video frame (one more ffprobe), or null when it has none.</summary>
    public async Task<HdrMetadata?> HdrMetadataAsync(string physicalPath, CancellationToken cancellationToken)
    {
        var capabilities = await GetInputCapabilitiesAsync();
        var result = await FfmpegProcess.CaptureAsync(FfprobePath, HdrMetadata.Arguments(physicalPath, capabilities.InputFormatWhitelist), TimeSpan.FromSeconds(options.Value.ProbeTimeoutSeconds), cancellationToken);
        return result.Succeeded ? HdrMetadata.Parse(result.Stdout) : null;
    }

    private static async Task<FfmpegCapabilities> LoadAsync(FfmpegOptions options)
    {
        try
        {
            var version = await RunAsync(options.FfmpegPath, "-version");
            if (version is null)
            {
                return FfmpegCapabilities.Empty;
            }

            var encoders = await RunAsync(options.FfmpegPath, "-encoders") ?? string.Empty;
            var decoders = await RunAsync(options.FfmpegPath, "-decoders") ?? string.Empty;
            var filters = await RunAsync(options.FfmpegPath, "-filters") ?? string.Empty;
            var hwaccels = await RunAsync(options.FfmpegPath, "-hwaccels") ?? string.Empty;
            var formats = await RunAsync(options.FfmpegPath, "-formats") ?? string.Empty;
            var devices = await RunAsync(options.FfmpegPath, "-devices") ?? string.Empty;
            var (muxers, demuxers) = CapabilitiesParser.ParseFormats(formats);
            var capabilities = new FfmpegCapabilities(
                CapabilitiesParser.ParseVersion(version),
                CapabilitiesParser.ParseCodecs(encoders),
                CapabilitiesParser.ParseCodecs(decoders),
                CapabilitiesParser.ParseFilters(filters),
                CapabilitiesParser.ParseHwAccels(hwaccels),
                muxers,
                demuxers,
                CapabilitiesParser.ParseFormats(devices).Demuxers);
            return capabilities with { Outputs = await OutputTrialRunner.GetAsync(options.FfmpegPath, capabilities, options.OutputTrialCache) };
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // ffmpeg is not installed or not executable: report empty capabilities; readiness fails.
            return FfmpegCapabilities.Empty;
        }
    }

    private static async Task<string?> FindVmafAsync(FfmpegOptions options)
    {
        var candidates = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.VmafFfmpegPath))
        {
            candidates.Add(options.VmafFfmpegPath);
        }
        else
        {
            candidates.Add(options.FfmpegPath);
            candidates.Add(Path.Combine(Environment.CurrentDirectory, ".tools", "vmaf", "ffmpeg"));
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                candidates.Add(Path.Combine(dir.FullName, ".tools", "vmaf", "ffmpeg"));
            }
        }

        foreach (var candidate in candidates.Distinct(StringComparer.Ordinal))
        {
            try
            {
                if (await RunAsync(candidate, "-filters") is { } filters && CapabilitiesParser.ParseFilters(filters).Contains("libvmaf"))
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not there or not executable: try the next one.
            }
        }

        return null;
    }

    private static async Task<string?> RunAsync(string ffmpeg, string flag)
    {
        var result = await FfmpegProcess.CaptureAsync(ffmpeg, ["-hide_banner", flag], TimeSpan.FromSeconds(20), CancellationToken.None);
        return result.ExitCode == 0 ? result.Stdout : null;
    }
}
