using System.Globalization;

namespace FfmpegApi.Media.Commands;

/// <summary>
/// A video encoder with rate control. Each encoder family spells preset and quality differently; the mapping
/// lives here so callers only say "libx264, preset fast, crf 23".
/// </summary>
public sealed record VideoEncoderStep(string Encoder, string? Preset = null, int? Crf = null, long? BitrateBps = null) : IOutputOptionStep
{
    public long? MaxRateBps { get; init; }

    public long? BufferSizeBps { get; init; }

    public string? Tune { get; init; }

    public string? Profile { get; init; }

    public string? Level { get; init; }

    /// <summary>Overrides the encoder's default pixel format (yuv420p for the delivery codecs).</summary>
    public string? PixelFormat { get; init; }

    public int? Gop { get; init; }

    /// <summary>A fractional CRF (from a quality search); wins over <c>Crf</c>.</summary>
    public double? FineCrf { get; init; }

    public double? KeyframeSeconds { get; init; }

    /// <summary>1 or 2 for a two-pass encode (null: single pass); the stats file lives at <see cref="PassLogPrefix"/>.</summary>
    public int? Pass { get; init; }

    public string? PassLogPrefix { get; init; }

    /// <summary>For NVENC reading system-memory frames: the CUDA device index (<c>-gpu</c>).</summary>
    public string? Gpu { get; init; }

    /// <summary>A source's HDR10 static metadata, written as the encoder's SEI/OBUs (x265, SVT-AV1); see <see cref="HdrPassThrough"/>.</summary>
    public Probe.HdrMetadata? Hdr { get; init; }

    public IEnumerable<string> OutputArguments
    {
        get
        {
            var args = new List<string> { "-c:v", Encoder };
            if (Encoder == "copy")
            {
                return args;
            }

            args.AddRange(EncoderArguments());
            AddCommon(args);
            return args;
        }
    }

    private List<string> EncoderArguments()
    {
        var args = new List<string>();
        switch (Encoder)
        {
            case "libx264" or "libx265":
                args.AddRange(["-preset", Preset ?? "medium"]);
                AddQuality(args, Encoder == "libx264" ? 23 : 28);
                args.AddRange(["-pix_fmt", PixelFormat ?? "yuv420p"]);
                if (Encoder == "libx265")
                {
                    // Apple players need the hvc1 tag; x265 also logs per-frame noise otherwise. x265 takes its
                    // two-pass settings through x265-params (ffmpeg's -pass does not reach it).
                    var x265 = "log-level=error";
                    if (Pass is { } pass)
                    {
                        x265 += $":pass={pass}:stats={PassLogPrefix}.x265.log";
                    }

                    if (Hdr is not null)
                    {
                        x265 += ":" + Hdr.X265Params;
                    }

                    args.AddRange(["-tag:v", "hvc1", "-x265-params", x265]);
                }

                break;
            case "libvpx-vp9":
                args.AddRange(["-deadline", "good", "-cpu-used", VpxCpuUsed(Preset), "-row-mt", "1"]);
                AddQuality(args, 32, zeroBitrateForCrf: true);
                args.AddRange(["-pix_fmt", PixelFormat ?? "yuv420p"]);
                break;
            case "libsvtav1":
                args.AddRange(["-preset", SvtPreset(Preset)]);
                AddQuality(args, 35);
                args.AddRange(["-pix_fmt", PixelFormat ?? "yuv420p"]);
                if (Hdr is not null)
                {
                    args.AddRange(["-svtav1-params", Hdr.SvtAv1Params]);
                }

                break;
            case "libaom-av1":
                args.AddRange(["-cpu-used", "8", "-row-mt", "1"]);
                AddQuality(args, 35, zeroBitrateForCrf: true);
                args.AddRange(["-pix_fmt", PixelFormat ?? "yuv420p"]);
                break;
            case "gif":
                // The palette is made per frame in the filter graph (GifPaletteStep); the encoder takes no quality.
                break;
            case "libwebp_anim" or "libwebp":
                args.AddRange(["-lossless", "0", "-q:v", (Crf is { } q ? Math.Clamp(100 - q, 0, 100) : 75).ToString(CultureInfo.InvariantCulture), "-pix_fmt", "yuv420p"]);
                break;
            case var hw when Hardware.HardwareCatalog.IsHardwareEncoder(hw):
                args.AddRange(HardwareEncoderArguments());
                break;
            case "prores_ks":
                args.AddRange(["-profile:v", Profile ?? "2", "-pix_fmt", PixelFormat ?? "yuv422p10le"]);
                break;
            case "dnxhd":
                // DNxHR: any size from 256x120; the profile fixes the bit depth and sampling (DnxhrPixelFormat).
                args.AddRange(["-profile:v", Profile ?? "dnxhr_hq", "-pix_fmt", PixelFormat ?? Specs.EncoderOptions.DnxhrPixelFormat(Profile)]);
                break;
            case "ffv1":
                // Archival FFV1 (as the FFV1 archiving guides advise): version 3, every frame a keyframe, 16 slices with
                // CRCs so damage stays local and is detected.
                args.AddRange(["-level", "3", "-slices", "16", "-slicecrc", "1"]);
                if (Gop is null)
                {
                    args.AddRange(["-g", "1"]);
                }

                AddPixelFormat(args, null);
                break;
            case "libvpx":
                // VP8 takes CRF as a quality floor under a bitrate ceiling; both are needed.
                args.AddRange(["-deadline", "good", "-cpu-used", VpxCpuUsed(Preset), "-crf", (Crf ?? 10).ToString(CultureInfo.InvariantCulture), "-b:v", Bits(BitrateBps ?? 2_000_000)]);
                AddPixelFormat(args, "yuv420p");
                break;
            case "libtheora":
                AddBitrateOrQuality(args, "7");
                AddPixelFormat(args, "yuv420p");
                break;
            case "mjpeg":
                AddBitrateOrQuality(args, "3");
                AddPixelFormat(args, "yuvj420p");
                break;
            default:
                // mpeg4, mpeg2video, wmv2, flv: a bitrate, or a fixed quantizer (VBR) that looks good at any size.
                AddBitrateOrQuality(args, "4");
                AddPixelFormat(args, null);
                break;
        }

        return args;
    }

    private void AddBitrateOrQuality(List<string> args, string quality) =>
        args.AddRange(BitrateBps is { } b ? ["-b:v", Bits(b)] : ["-q:v", quality]);

    private void AddPixelFormat(List<string> args, string? fallback)
    {
        if ((PixelFormat ?? fallback) is { } format)
        {
            args.AddRange(["-pix_fmt", format]);
        }
    }

    /// <summary>
    /// Device encoders: presets and CRF mapped to each vendor's spelling. NVENC: presets p1–p7, constant quality
    /// (<c>-rc vbr -cq N -b:v 0</c>). Quick Sync: its preset names, ICQ (<c>-global_quality N</c>). VAAPI: constant QP
    /// (<c>-rc_mode CQP -qp N</c>), the mode every VAAPI driver has. A bitrate alone asks for VBR at that average. No
    /// <c>-pix_fmt</c>: frames may be in device memory (the pipeline converts where needed).
    /// </summary>
    private List<string> HardwareEncoderArguments()
    {
        var args = new List<string>();
        var hevc = Encoder.StartsWith("hevc", StringComparison.Ordinal);
        var quality = (Crf ?? (hevc ? 28 : Encoder.StartsWith("av1", StringComparison.Ordinal) ? 30 : 23)).ToString(CultureInfo.InvariantCulture);
        var bitrateOnly = BitrateBps is not null && Crf is null;
        if (Encoder.EndsWith("_nvenc", StringComparison.Ordinal))
        {
            args.AddRange(["-preset", NvencPreset(Preset), "-tune", "hq"]);
            args.AddRange(bitrateOnly ? ["-rc", "vbr", "-b:v", Bits(BitrateBps!.Value)] : ["-rc", "vbr", "-cq", quality, "-b:v", "0"]);
            if (Gpu is not null)
            {
                args.AddRange(["-gpu", Gpu]);
            }
        }
        else if (Encoder.EndsWith("_qsv", StringComparison.Ordinal))
        {
            args.AddRange(["-preset", QsvPreset(Preset)]);
            args.AddRange(bitrateOnly ? ["-b:v", Bits(BitrateBps!.Value)] : ["-global_quality", quality]);
        }
        else
        {
            args.AddRange(bitrateOnly ? ["-rc_mode", "VBR", "-b:v", Bits(BitrateBps!.Value)] : ["-rc_mode", "CQP", "-qp", quality]);
        }

        if (BitrateBps is { } cap && !bitrateOnly)
        {
            // CRF with a bitrate: the bitrate caps the peaks, as for the software encoders.
            args.AddRange(["-maxrate", Bits(MaxRateBps ?? cap), "-bufsize", Bits(BufferSizeBps ?? ((MaxRateBps ?? cap) * 2))]);
        }

        if (hevc)
        {
            args.AddRange(["-tag:v", "hvc1"]);
        }

        return args;
    }

    private static string NvencPreset(string? preset) => preset switch
    {
        "ultrafast" => "p1",
        "superfast" => "p2",
        "veryfast" => "p3",
        "faster" or "fast" => "p4",
        "slow" => "p6",
        "slower" or "veryslow" => "p7",
        _ => "p5",
    };

    private static string QsvPreset(string? preset) => preset switch
    {
        "ultrafast" or "superfast" or "veryfast" => "veryfast",
        "faster" or "fast" or "slow" or "slower" or "veryslow" => preset,
        _ => "medium",
    };

    /// <summary>Options every encoder spells the same way: VBV, tune/profile/level, GOP, two-pass.</summary>
    private void AddCommon(List<string> args)
    {
        if (MaxRateBps is { } max && !args.Contains("-maxrate"))
        {
            args.AddRange(["-maxrate", Bits(max), "-bufsize", Bits(BufferSizeBps ?? (max * 2))]);
        }

        if (Tune is not null && !Hardware.HardwareCatalog.IsHardwareEncoder(Encoder))
        {
            args.AddRange(["-tune", Tune]);
        }

        if (Profile is not null && Encoder is not ("prores_ks" or "dnxhd"))
        {
            args.AddRange(["-profile:v", Profile]);
        }

        if (Level is not null)
        {
            args.AddRange(["-level:v", Level]);
        }

        if (Gop is { } gop)
        {
            args.AddRange(["-g", gop.ToString(CultureInfo.InvariantCulture)]);
        }

        if (KeyframeSeconds is { } every)
        {
            // Forced keyframes at fixed times line renditions up for HLS/DASH switching, whatever the frame rate.
            args.AddRange(["-force_key_frames", $"expr:gte(t,n_forced*{every.ToString("0.###", CultureInfo.InvariantCulture)})"]);
        }

        if (Pass is { } pass && Encoder != "libx265")
        {
            args.AddRange(["-pass", pass.ToString(CultureInfo.InvariantCulture), "-passlogfile", PassLogPrefix!]);
        }
    }

    /// <summary>CRF (the request's, else the encoder's default), optionally capped by a bitrate; or average bitrate alone.</summary>
    private void AddQuality(List<string> args, int defaultCrf, bool zeroBitrateForCrf = false)
    {
        if (BitrateBps is { } b && Crf is null && FineCrf is null)
        {
            args.AddRange(["-b:v", Bits(b)]);
            return;
        }

        args.AddRange(["-crf", FineCrf is { } fine ? fine.ToString("0.##", CultureInfo.InvariantCulture) : (Crf ?? defaultCrf).ToString(CultureInfo.InvariantCulture)]);
        if (BitrateBps is { } bitrate)
        {
            var cap = MaxRateBps ?? bitrate;
            args.AddRange(["-maxrate", Bits(cap), "-bufsize", Bits(BufferSizeBps ?? (cap * 2))]);
        }
        else if (zeroBitrateForCrf)
        {
            args.AddRange(["-b:v", "0"]);
        }
    }

    private static string VpxCpuUsed(string? preset) => preset switch
    {
        "ultrafast" or "superfast" or "veryfast" => "8",
        "faster" or "fast" => "5",
        "slow" or "slower" or "veryslow" => "2",
        _ => "4",
    };

    private static string SvtPreset(string? preset) => preset switch
    {
        "ultrafast" or "superfast" => "12",
        "veryfast" or "faster" => "10",
        "fast" => "9",
        "slow" => "5",
        "slower" or "veryslow" => "3",
        null or "medium" => "8",
        _ => int.TryParse(preset, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 13 ? preset : "8",
    };

    internal static string Bits(long bps) => bps % 1000 == 0
        ? (bps / 1000).ToString(CultureInfo.InvariantCulture) + "k"
        : bps.ToString(CultureInfo.InvariantCulture);
}

public sealed record AudioEncoderStep(string Encoder, long? BitrateBps = null, int? Channels = null, int? SampleRate = null) : IOutputOptionStep
{
    public IEnumerable<string> OutputArguments
    {
        get
        {
            var args = new List<string> { "-c:a", Encoder };
            if (Encoder == "copy")
            {
                return args;
            }

            var lossless = Encoder is "flac" or "alac" || Encoder.StartsWith("pcm_", StringComparison.Ordinal);
            if (Encoder == "libvorbis" && BitrateBps is null)
            {
                // Vorbis by quality (≈128 kbit/s for stereo) scales with the channel count; a fixed 128k is below
                // what libvorbis accepts for 7.1 ("encoder setup failed").
                args.AddRange(["-q:a", "4"]);
            }
            else if (Encoder is "ac3" or "ac3_fixed" or "eac3" && BitrateBps is null)
            {
                // The AC-3 encoders pick the broadcast rate for the channel count (192k stereo, 448k 5.1).
            }
            else if (!lossless)
            {
                args.AddRange(["-b:a", VideoEncoderStep.Bits(BitrateBps ?? DefaultBitrate(Encoder))]);
            }

            if (Channels is { } ch)
            {
                args.AddRange(["-ac", ch.ToString(CultureInfo.InvariantCulture)]);
            }

            // Opus only encodes at 48 kHz family rates; let libopus pick unless told.
            if (SampleRate is { } sr)
            {
                args.AddRange(["-ar", sr.ToString(CultureInfo.InvariantCulture)]);
            }

            return args;
        }
    }

    private static long DefaultBitrate(string encoder) => encoder switch
    {
        "libopus" => 96_000,
        "libmp3lame" or "mp2" or "mp2fixed" or "libtwolame" => 192_000,
        _ => 128_000,
    };
}
