using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Estimation;

/// <summary>A finished job's measured encode speed (× realtime) with what it encoded.</summary>
public sealed record SpeedSample(string Codec, string Preset, int Height, double Speed);

/// <summary>How long a job will take and how big its output will be, and what the guess rests on.</summary>
public sealed record Estimate(
    double? OutputDurationSeconds,
    double? ProcessingSeconds,
    long? OutputSizeBytes,
    double SpeedXRealtime,
    string SpeedSource,
    int Samples,
    long? VideoBitrateBps,
    long? AudioBitrateBps,
    int? Width,
    int? Height);

/// <summary>
/// Estimates from the probe and this node's measured speeds. Speed: the median of finished jobs with the same
/// codec, preset and a similar height (within a factor of 1.5), else a default table for 2 cores. Size: the
/// requested bitrate, or for CRF a bits-per-pixel model per codec (halving every 6 CRF steps), plus audio.
/// </summary>
public static class Estimator
{
    // Stryker disable all : default tables, documented as rough
    private static readonly Dictionary<string, double> DefaultSpeedAt720p = new(StringComparer.Ordinal)
    {
        ["h264"] = 2.0,
        ["h265"] = 0.4,
        ["vp9"] = 0.3,
        ["av1"] = 0.5,
        ["mpeg4"] = 6.0,
        ["prores"] = 1.5,
        ["copy"] = 50.0,
    };

    /// <summary>Bits per pixel per frame at the codec's reference CRF (h264 23, h265 28, vp9 32, av1 35).</summary>
    private static readonly Dictionary<string, (double Bpp, int Crf)> CrfModel = new(StringComparer.Ordinal)
    {
        ["h264"] = (0.10, 23),
        ["h265"] = (0.06, 28),
        ["vp9"] = (0.06, 32),
        ["av1"] = (0.05, 35),
    };

    private static readonly Dictionary<string, double> PresetSpeedFactor = new(StringComparer.Ordinal)
    {
        ["ultrafast"] = 4.0,
        ["superfast"] = 3.0,
        ["veryfast"] = 2.2,
        ["faster"] = 1.6,
        ["fast"] = 1.3,
        ["medium"] = 1.0,
        ["slow"] = 0.5,
        ["slower"] = 0.25,
        ["veryslow"] = 0.1,
    };

    // Stryker restore all
    public static Estimate For(ConvertSpec spec, MediaInfo input, IReadOnlyList<SpeedSample> history)
    {
        var duration = JobPlanner.ExpectedDuration(spec, input);
        var video = spec.Output.Video is { } v && input.FirstVideo is { } src ? v : null;
        var (width, height) = OutputSize(spec, input);
        var fps = video?.Fps ?? input.FirstVideo?.FrameRate ?? 25;
        long? videoBps = video switch
        {
            null => null,
            { Codec: "copy" } => input.BitRate,
            { Bitrate: { } b } when Bitrate.TryParse(b, out var bps) && video.Crf is null => bps,
            _ => CrfBitrate(video, width, height, fps),
        };
        long? audioBps = spec.Output.Audio is { } a && input.FirstAudio is not null
            ? a.Codec == "copy" ? 128_000 : Bitrate.TryParse(a.Bitrate, out var abps) ? abps : a.Codec is "flac" or "pcm" ? 900_000 : 128_000
            : null;

        var codec = video?.Codec ?? "copy";
        var preset = video?.Preset ?? "medium";
        var matching = history.Where(s => s.Codec == codec && s.Preset == preset && height is > 0 && s.Height > 0
            && Math.Max(s.Height, height.Value) / (double)Math.Min(s.Height, height.Value) <= 1.5).Select(s => s.Speed).Order().ToList();
        double speed;
        string source;
        if (matching.Count > 0)
        {
            speed = matching[matching.Count / 2];
            source = "history";
        }
        else
        {
            var pixels = (width ?? 1280) * (double)(height ?? 720);
            speed = DefaultSpeedAt720p.GetValueOrDefault(codec, 1.0) * PresetSpeedFactor.GetValueOrDefault(preset, 1.0) * (1280 * 720 / Math.Max(pixels, 1));
            if (video is null)
            {
                speed = 50;
            }

            source = "default";
        }

        if (video?.TwoPass == true)
        {
            speed /= 1.6;
        }

        var size = duration is { } d ? (long)(((videoBps ?? 0) + (audioBps ?? 0)) * d / 8) : (long?)null;
        return new Estimate(duration, duration is { } dd ? Math.Round(dd / speed, 1) : null, size, Math.Round(speed, 3), source, matching.Count, videoBps, audioBps, width, height);
    }

    private static (int? Width, int? Height) OutputSize(ConvertSpec spec, MediaInfo input)
    {
        if (input.FirstVideo is not { Width: { } w, Height: { } h } || spec.Output.Video is null)
        {
            return (null, null);
        }

        foreach (var operation in spec.Operations)
        {
            (w, h) = operation switch
            {
                ScaleOperation { Width: { } sw, Height: { } sh, Fit: ScaleFit.Stretch or ScaleFit.Cover or ScaleFit.Pad } => (sw, sh),
                ScaleOperation s => Fit(w, h, s.Width, s.Height, s.AllowUpscale),
                CropOperation c => (c.Width, c.Height),
                PadOperation p => (p.Width, p.Height),
                RotateOperation { Angle: 90 or 270 } => (h, w),
                _ => (w, h),
            };
        }

        if (spec.Output.Video.Width is not null || spec.Output.Video.Height is not null)
        {
            (w, h) = Fit(w, h, spec.Output.Video.Width, spec.Output.Video.Height, false);
        }

        return (w, h);
    }

    private static (int, int) Fit(int w, int h, int? boxW, int? boxH, bool upscale)
    {
        var scale = Math.Min(boxW is { } bw ? bw / (double)w : double.MaxValue, boxH is { } bh ? bh / (double)h : double.MaxValue);
        if (!upscale)
        {
            scale = Math.Min(scale, 1);
        }

        return ((int)Math.Round(w * scale / 2) * 2, (int)Math.Round(h * scale / 2) * 2);
    }

    private static long? CrfBitrate(VideoSpec video, int? width, int? height, double fps)
    {
        if (width is null || height is null)
        {
            return null;
        }

        var (bpp, referenceCrf) = CrfModel.GetValueOrDefault(video.Codec, (0.15, 23));
        var crf = video.Crf ?? referenceCrf;
        var bps = (long)(bpp * Math.Pow(2, (referenceCrf - crf) / 6.0) * width.Value * height.Value * fps);
        if (Bitrate.TryParse(video.MaxRate ?? video.Bitrate, out var cap) && bps > cap)
        {
            bps = cap;
        }

        return bps;
    }
}
