using FfmpegApi.Core.Configuration;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Process;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing;

/// <summary>The installed ffmpeg: its capabilities (read once) and ffprobe.</summary>
public sealed class FfmpegTools(IOptions<FfmpegOptions> options)
{
    private readonly Lazy<Task<FfmpegCapabilities>> _capabilities = new(() => LoadAsync(options.Value));

    public string FfmpegPath => options.Value.FfmpegPath;

    public string FfprobePath => options.Value.FfprobePath;

    /// <summary>Capabilities of the installed ffmpeg; <see cref="FfmpegCapabilities.Empty"/> when it cannot run.</summary>
    public Task<FfmpegCapabilities> GetCapabilitiesAsync() => _capabilities.Value;

    /// <summary>Probes a file; returns null with the reason when it is not readable media.</summary>
    public async Task<(MediaInfo? Info, string? Error)> ProbeAsync(string physicalPath, CancellationToken cancellationToken)
    {
        var result = await FfmpegProcess.CaptureAsync(FfprobePath, FfprobeParser.Arguments(physicalPath), TimeSpan.FromSeconds(options.Value.ProbeTimeoutSeconds), cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        if (result.Stopped)
        {
            return (null, "ffprobe timed out.");
        }

        var info = result.ExitCode == 0 ? FfprobeParser.Parse(result.Stdout) : null;
        if (info is null || !info.HasMedia)
        {
            return (null, result.LastError ?? "No audio or video stream found.");
        }

        return (info, null);
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
            var (muxers, demuxers) = CapabilitiesParser.ParseFormats(formats);
            return new FfmpegCapabilities(
                CapabilitiesParser.ParseVersion(version),
                CapabilitiesParser.ParseCodecs(encoders),
                CapabilitiesParser.ParseCodecs(decoders),
                CapabilitiesParser.ParseFilters(filters),
                CapabilitiesParser.ParseHwAccels(hwaccels),
                muxers,
                demuxers);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // ffmpeg is not installed or not executable: report empty capabilities; readiness fails.
            return FfmpegCapabilities.Empty;
        }
    }

    private static async Task<string?> RunAsync(string ffmpeg, string flag)
    {
        var result = await FfmpegProcess.CaptureAsync(ffmpeg, ["-hide_banner", flag], TimeSpan.FromSeconds(20), CancellationToken.None);
        return result.ExitCode == 0 ? result.Stdout : null;
    }
}
