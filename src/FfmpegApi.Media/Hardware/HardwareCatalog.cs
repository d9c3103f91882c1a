using FfmpegApi.Media.Capabilities;

namespace FfmpegApi.Media.Hardware;

/// <summary>
/// How each vendor is spelled to ffmpeg: its hwaccel, encoder suffix, scaler and deinterlacer, the device options, and
/// the one-frame trials that tell whether a listed feature really works on this machine. Pure data.
/// </summary>
public static class HardwareCatalog
{
    /// <summary>Codecs whose hardware decoders are tried (each needs a software encoder to make the sample).</summary>
    public static readonly IReadOnlyList<string> TrialDecodeCodecs = ["h264", "hevc", "av1", "vp9"];

    /// <summary>Encoder families tried per vendor (<c>h264_nvenc</c>, <c>hevc_qsv</c>, <c>av1_vaapi</c>, …).</summary>
    public static readonly IReadOnlyList<string> EncoderFamilies = ["h264", "hevc", "av1"];

    /// <summary>Friendly output codec (a <c>video.codec</c> key) → the hardware encoder family.</summary>
    private static readonly Dictionary<string, string> FamilyOfCodec = new(StringComparer.Ordinal)
    {
        ["h264"] = "h264",
        ["h265"] = "hevc",
        ["av1"] = "av1",
    };

    public static string Key(HardwareVendor vendor) => vendor switch
    {
        HardwareVendor.Nvidia => "nvidia",
        HardwareVendor.Intel => "intel",
        _ => "vaapi",
    };

    public static string Label(HardwareVendor vendor) => vendor switch
    {
        HardwareVendor.Nvidia => "NVIDIA (CUDA/NVENC)",
        HardwareVendor.Intel => "Intel Quick Sync",
        _ => "VAAPI",
    };

    /// <summary>The <c>-hwaccels</c> entry this vendor needs.</summary>
    public static string HwAccel(HardwareVendor vendor) => vendor switch
    {
        HardwareVendor.Nvidia => "cuda",
        HardwareVendor.Intel => "qsv",
        _ => "vaapi",
    };

    public static string EncoderSuffix(HardwareVendor vendor) => vendor switch
    {
        HardwareVendor.Nvidia => "_nvenc",
        HardwareVendor.Intel => "_qsv",
        _ => "_vaapi",
    };

    public static string ScaleFilter(HardwareVendor vendor) => vendor switch
    {
        HardwareVendor.Nvidia => "scale_cuda",
        HardwareVendor.Intel => "scale_qsv",
        _ => "scale_vaapi",
    };

    public static string DeinterlaceFilter(HardwareVendor vendor) => vendor switch
    {
        HardwareVendor.Nvidia => "yadif_cuda",
        HardwareVendor.Intel => "deinterlace_qsv",
        _ => "deinterlace_vaapi",
    };

    /// <summary>The hardware encoder for a friendly codec on this vendor (<c>h265</c> → <c>hevc_nvenc</c>), or null.</summary>
    public static string? EncoderFor(string codec, HardwareVendor vendor) =>
        FamilyOfCodec.TryGetValue(codec, out var family) ? family + EncoderSuffix(vendor) : null;

    /// <summary>True for encoders that run on video hardware (their quality options differ from the software ones).</summary>
    public static bool IsHardwareEncoder(string encoder) =>
        encoder.EndsWith("_nvenc", StringComparison.Ordinal) || encoder.EndsWith("_qsv", StringComparison.Ordinal) || encoder.EndsWith("_vaapi", StringComparison.Ordinal);

    /// <summary>The encoders and scaler this ffmpeg build lists for a vendor (candidates for the trials).</summary>
    public static (bool HwAccel, IReadOnlyList<string> Encoders, bool Scale, bool Deinterlace) Listed(FfmpegCapabilities caps, HardwareVendor vendor) =>
        (caps.HwAccels.Contains(HwAccel(vendor)),
         [.. EncoderFamilies.Select(f => f + EncoderSuffix(vendor)).Where(caps.HasEncoder)],
         caps.Filters.Contains(ScaleFilter(vendor)),
         caps.Filters.Contains(DeinterlaceFilter(vendor)));

    /// <summary>
    /// Options that create the device and give it to the filters as <c>hw</c>. NVIDIA: the CUDA index; VAAPI: the
    /// render node; Quick Sync: a VAAPI device on the render node with a QSV device derived from it (the Linux recipe).
    /// </summary>
    public static IReadOnlyList<string> DeviceArguments(HardwareVendor vendor, string node) => vendor switch
    {
        HardwareVendor.Nvidia => ["-init_hw_device", $"cuda=hw:{node}", "-filter_hw_device", "hw"],
        HardwareVendor.Intel => ["-init_hw_device", $"vaapi=va:{node}", "-init_hw_device", "qsv=hw@va", "-filter_hw_device", "hw"],
        _ => ["-init_hw_device", $"vaapi=hw:{node}", "-filter_hw_device", "hw"],
    };

    /// <summary>Input options decoding <paramref name="codec"/> on the device, frames kept in its memory.</summary>
    public static IReadOnlyList<string> DecodeArguments(HardwareVendor vendor, string node, string codec) =>
    [
        .. DeviceArguments(vendor, node),
        "-hwaccel", HwAccel(vendor), "-hwaccel_device", "hw", "-hwaccel_output_format", HwAccel(vendor),
        .. vendor == HardwareVendor.Intel ? ["-c:v", codec + "_qsv"] : Array.Empty<string>(),
    ];

    /// <summary>Filters moving system-memory frames onto the device (for encoders and filters that need device frames).</summary>
    public static string Upload(HardwareVendor vendor) => vendor switch
    {
        HardwareVendor.Nvidia => "format=nv12,hwupload",
        HardwareVendor.Intel => "format=nv12,hwupload=extra_hw_frames=64,format=qsv",
        _ => "format=nv12,hwupload",
    };

    /// <summary>Device frames back to system memory; 10-bit sources download as P010.</summary>
    public static string Download(bool tenBit) => tenBit ? "hwdownload,format=p010le" : "hwdownload,format=nv12";

    /// <summary>Trial: encode two generated frames with <paramref name="encoder"/>.</summary>
    public static IReadOnlyList<string> EncodeTrial(HardwareVendor vendor, string node, string encoder) =>
    [
        "-hide_banner", "-nostdin", "-v", "error", .. DeviceArguments(vendor, node),
        "-f", "lavfi", "-i", "testsrc2=size=256x144:rate=25", "-frames:v", "2",
        .. vendor == HardwareVendor.Nvidia ? ["-gpu", node] : (IEnumerable<string>)["-vf", Upload(vendor)],
        "-c:v", encoder, "-f", "null", "-",
    ];

    /// <summary>Trial: decode a small <paramref name="codec"/> sample on the device and download the frames (fails if ffmpeg fell back to software).</summary>
    public static IReadOnlyList<string> DecodeTrial(HardwareVendor vendor, string node, string codec, string sampleFile) =>
    [
        "-hide_banner", "-nostdin", "-v", "error", .. DecodeArguments(vendor, node, codec),
        "-i", "file:" + sampleFile, "-frames:v", "2", "-vf", Download(false), "-f", "null", "-",
    ];

    /// <summary>Trial: upload a generated frame, scale it on the device, download it.</summary>
    public static IReadOnlyList<string> ScaleTrial(HardwareVendor vendor, string node) =>
    [
        "-hide_banner", "-nostdin", "-v", "error", .. DeviceArguments(vendor, node),
        "-f", "lavfi", "-i", "testsrc2=size=256x144:rate=25", "-frames:v", "1",
        "-vf", $"{Upload(vendor)},{ScaleFilter(vendor)}=w=128:h=72,{Download(false)}", "-f", "null", "-",
    ];

    /// <summary>Software encode of the small sample a decode trial reads (null when no software encoder for it is present).</summary>
    public static IReadOnlyList<string>? SampleEncode(string codec, Func<string, bool> hasEncoder, string file)
    {
        string[]? encoder = codec switch
        {
            "h264" when hasEncoder("libx264") => ["-c:v", "libx264", "-preset", "ultrafast"],
            "hevc" when hasEncoder("libx265") => ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"],
            "av1" when hasEncoder("libsvtav1") => ["-c:v", "libsvtav1", "-preset", "12"],
            "av1" when hasEncoder("libaom-av1") => ["-c:v", "libaom-av1", "-cpu-used", "8"],
            "vp9" when hasEncoder("libvpx-vp9") => ["-c:v", "libvpx-vp9", "-deadline", "realtime"],
            _ => null,
        };
        return encoder is null
            ? null
            : ["-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=256x144:rate=25", "-frames:v", "5", .. encoder, "-pix_fmt", "yuv420p", "file:" + file];
    }

    /// <summary>The sample's file name for a codec (<c>av1</c>/<c>vp9</c> in WebM-compatible Matroska, the others in MP4).</summary>
    public static string SampleName(string codec) => codec is "vp9" or "av1" ? $"sample-{codec}.mkv" : $"sample-{codec}.mp4";
}
