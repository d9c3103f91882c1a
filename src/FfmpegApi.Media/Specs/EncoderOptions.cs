namespace FfmpegApi.Media.Specs;

/// <summary>
/// Per-codec values the encoders accept for tune, profile and pixel format (libx264/libx265/libvpx-vp9/SVT-AV1/
/// libaom/prores_ks/mpeg4 as built in Debian 12's ffmpeg 5.1; <c>ffmpeg -h encoder=NAME</c>), so a bad value is a
/// 422 at submit time instead of a failed job.
/// </summary>
public static class EncoderOptions
{
    // Stryker disable all : static tables, pinned by the mapper tests
    public static IReadOnlyDictionary<string, string[]> Tunes { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["h264"] = ["film", "animation", "grain", "stillimage", "fastdecode", "zerolatency", "psnr", "ssim"],
        ["h265"] = ["animation", "grain", "fastdecode", "zerolatency", "psnr", "ssim"],
    };

    public static IReadOnlyDictionary<string, string[]> Profiles { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["h264"] = ["baseline", "main", "high", "high10", "high422", "high444"],
        ["h265"] = ["main", "main10", "main12", "main422-10", "main444-8", "main444-10", "mainstillpicture"],
        ["vp9"] = ["0", "1", "2", "3"],
        ["av1"] = ["main", "high", "professional"],
        ["prores"] = ["0", "1", "2", "3", "4", "5"],
        ["dnxhd"] = ["dnxhr_lb", "dnxhr_sq", "dnxhr_hq", "dnxhr_hqx", "dnxhr_444"],
        ["mpeg2"] = ["422", "high", "main", "simple"],
    };

    public static IReadOnlyDictionary<string, string[]> PixelFormats { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["h264"] = ["yuv420p", "yuv422p", "yuv444p", "nv12", "yuv420p10le", "yuv422p10le", "yuv444p10le", "gray"],
        ["h265"] = ["yuv420p", "yuv422p", "yuv444p", "yuv420p10le", "yuv422p10le", "yuv444p10le", "yuv420p12le", "gray"],
        ["vp9"] = ["yuv420p", "yuva420p", "yuv422p", "yuv444p", "yuv420p10le", "yuv422p10le", "yuv444p10le"],
        ["av1"] = ["yuv420p", "yuv420p10le"],
        ["prores"] = ["yuv422p10le", "yuv444p10le", "yuva444p10le"],
        ["mpeg4"] = ["yuv420p"],
        ["mpeg2"] = ["yuv420p", "yuv422p"],
        ["vp8"] = ["yuv420p", "yuva420p"],
        ["theora"] = ["yuv420p", "yuv422p", "yuv444p"],
        ["mjpeg"] = ["yuvj420p", "yuvj422p", "yuvj444p"],
        ["ffv1"] = ["yuv420p", "yuv422p", "yuv444p", "yuv420p10le", "yuv422p10le", "yuv444p10le", "yuv444p16le", "gbrp10le", "gray"],
    };

    /// <summary>The pixel format a DNxHR profile encodes: 8-bit 4:2:2 (LB, SQ, HQ), 10-bit 4:2:2 (HQX), 10-bit 4:4:4.</summary>
    public static string DnxhrPixelFormat(string? profile) => profile switch
    {
        "dnxhr_hqx" => "yuv422p10le",
        "dnxhr_444" => "yuv444p10le",
        _ => "yuv422p",
    };

    /// <summary>Codecs whose encoders run a statistics pass for two-pass bitrate targets.</summary>
    public static IReadOnlyList<string> TwoPassCodecs { get; } = ["h264", "h265", "vp9", "mpeg4"];

    /// <summary>ProRes profile names accepted in place of their numbers.</summary>
    public static IReadOnlyDictionary<string, string> ProresProfileNames { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["proxy"] = "0",
        ["lt"] = "1",
        ["standard"] = "2",
        ["hq"] = "3",
        ["4444"] = "4",
        ["4444xq"] = "5",
    };

    // Stryker restore all
}
