namespace FfmpegApi.Media.Probe;

/// <summary>What ffprobe says about a file, reduced to what planning and the API need.</summary>
/// <remarks>Immutable: caches hand out the same instance.</remarks>
[System.ComponentModel.ImmutableObject(true)]
public sealed record MediaInfo(
    string FormatName,
    double? DurationSeconds,
    long? SizeBytes,
    long? BitRate,
    IReadOnlyList<StreamInfo> Streams)
{
    public StreamInfo? FirstVideo => Streams.FirstOrDefault(s => s.CodecType == "video" && !s.IsAttachedPicture);

    public StreamInfo? FirstAudio => Streams.FirstOrDefault(s => s.CodecType == "audio");

    public bool HasMedia => FirstVideo is not null || FirstAudio is not null;
}

public sealed record StreamInfo(
    int Index,
    string CodecType,
    string? CodecName,
    int? Width,
    int? Height,
    double? FrameRate,
    int? SampleRate,
    int? Channels,
    double? DurationSeconds,
    bool IsAttachedPicture)
{
    /// <summary>ffprobe's <c>pix_fmt</c> (e.g. <c>yuv420p10le</c>); hardware pipelines download 10-bit frames as P010.</summary>
    public string? PixelFormat { get; init; }

    /// <summary>ffprobe's <c>color_transfer</c>: <c>smpte2084</c> (PQ, HDR10) or <c>arib-std-b67</c> (HLG) for HDR.</summary>
    public string? ColorTransfer { get; init; }

    /// <summary>ffprobe's <c>color_primaries</c> (<c>bt2020</c> for HDR).</summary>
    public string? ColorPrimaries { get; init; }

    /// <summary>ffprobe's <c>color_space</c>, the matrix (<c>bt2020nc</c> for HDR).</summary>
    public string? ColorSpace { get; init; }

    /// <summary>Non-square pixels (anamorphic: DV, DVB, HDV), e.g. 16:15; null: square.</summary>
    public Ratio? SampleAspectRatio { get; init; }

    /// <summary>How a player turns the picture: 0, 90, 180 or 270 degrees (phone video).</summary>
    public int Rotation { get; init; }

    /// <summary>
    /// The picture's size as shown, in square pixels: turned by the rotation, the width stretched or narrowed by the
    /// sample aspect (DV 720x480 at 8:9 shows as 640x480); null when the size is unknown.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public PictureSize? DisplaySize
    {
        get
        {
            if (DisplayAspect is not { } aspect)
            {
                return null;
            }

            var h = Rotation is 90 or 270 ? Width!.Value : Height!.Value;
            return new PictureSize(Math.Max(1, (int)Math.Round(h * aspect.Value)), h);
        }
    }

    /// <summary>
    /// The picture as shown, as an exact ratio width:height (pixels × sample aspect, turned by the rotation), reduced;
    /// null when the size is unknown. ffmpeg's autorotation turns the frames the same way before any filter runs.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Ratio? DisplayAspect
    {
        get
        {
            if (Width is not > 0 || Height is not > 0)
            {
                return null;
            }

            var sar = SampleAspectRatio ?? new Ratio(1, 1);
            var (w, h) = ((long)Width.Value * sar.Num, (long)Height.Value * sar.Den);
            return Rotation is 90 or 270 ? Ratio.Reduced(h, w) : Ratio.Reduced(w, h);
        }
    }
}

/// <summary>A picture's width and height in pixels.</summary>
public sealed record PictureSize(int Width, int Height);

/// <summary>An exact ratio in lowest terms (an aspect ratio), both terms positive.</summary>
public sealed record Ratio(long Num, long Den)
{
    public static Ratio Reduced(long num, long den)
    {
        var gcd = (long)System.Numerics.BigInteger.GreatestCommonDivisor(num, den);
        return new(num / gcd, den / gcd);
    }

    public double Value => (double)Num / Den;

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Num}:{Den}");
}
