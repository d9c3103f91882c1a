using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Commands;

/// <summary>
/// HDR stays HDR where the output can carry it: a PQ (HDR10) or HLG source encoded to H.265, AV1 or VP9 without a
/// pixel format, profile or <c>tonemap</c> of the client's is written in 10-bit 4:2:0 with the source's colour tags
/// (BT.2020 primaries and matrix, PQ or HLG transfer), instead of the encoders' 8-bit default. An HDR10 source's static
/// metadata (<see cref="PlanContext.HdrMetadata"/>) goes into x265's and SVT-AV1's own HDR10 messages. Other targets
/// are written as asked (H.264 8-bit keeps ffmpeg's behaviour; <c>tonemap</c> makes SDR).
/// </summary>
public static class HdrPassThrough
{
    private static readonly string[] Codecs = ["h265", "av1", "vp9"];

    /// <summary>Whether the output would keep an HDR source's HDR (then the plan needs the probe first).</summary>
    public static bool Applies(VideoSpec video, IReadOnlyList<OperationSpec> operations) =>
        Codecs.Contains(video.Codec) && video.PixelFormat is null && video.Profile is null && !operations.OfType<TonemapOperation>().Any();

    /// <summary>Whether any output of the job would keep an HDR source's HDR.</summary>
    public static bool Applies(ConvertSpec spec) => spec.AllOutputs.Any(o => o.Video is { } video && Applies(video, spec.Operations));

    /// <summary>The source's first video stream when it is HDR (PQ or HLG transfer), else null.</summary>
    public static StreamInfo? Source(MediaInfo? input) => input?.FirstVideo is { ColorTransfer: "smpte2084" or "arib-std-b67" } video ? video : null;

    /// <summary>The video settings and colour tags for this output: 10-bit and the source's tags for an HDR source, else as asked.</summary>
    public static (VideoSpec Video, ColorTagsStep? Tags) Apply(VideoSpec video, MediaInfo? input, IReadOnlyList<OperationSpec> operations) =>
        Applies(video, operations) && Source(input) is { } hdr
            ? (video with { PixelFormat = "yuv420p10le" }, new ColorTagsStep(hdr.ColorPrimaries ?? "bt2020", hdr.ColorTransfer!, hdr.ColorSpace ?? "bt2020nc"))
            : (video, null);
}

/// <summary>Colour tags written on the output stream: primaries, transfer and matrix.</summary>
public sealed record ColorTagsStep(string Primaries, string Transfer, string Matrix) : IOutputOptionStep
{
    public IEnumerable<string> OutputArguments => ["-color_primaries", Primaries, "-color_trc", Transfer, "-colorspace", Matrix];
}
