namespace FfmpegApi.Media.Streaming;

public enum StreamingFormat
{
    Hls,
    Dash,
}

public enum SegmentContainer
{
    /// <summary>MPEG-TS segments (HLS only; the widest player support).</summary>
    Ts,

    /// <summary>Fragmented MP4 (CMAF) segments: always for DASH, optional for HLS.</summary>
    Fmp4,
}

/// <summary>A requested rung: a height (width follows the source's aspect) and an optional bitrate.</summary>
public sealed record RenditionRequest(int Height, long? BitrateBps)
{
    /// <summary>The rendition's name (its playlist directory and label); null: the height, as <c>720p</c>.</summary>
    public string? Name { get; init; }
}

/// <summary>
/// An adaptive-streaming package. Null <see cref="Variants"/> asks for an automatic ladder derived from the source.
/// The output is a directory with the master playlist (HLS) or manifest (DASH) at <c>OutputSpec.Path</c>.
/// </summary>
public sealed record StreamingSpec(
    StreamingFormat Format,
    IReadOnlyList<RenditionRequest>? Variants,
    double SegmentSeconds = 6,
    SegmentContainer Segments = SegmentContainer.Ts,
    long AudioBitrateBps = 128_000)
{
    /// <summary>An optional thumbnails track: sprite sheets and a WebVTT storyboard in <c>thumbnails/</c> of the package.</summary>
    public ThumbnailTrack? Thumbnails { get; init; }

    /// <summary>
    /// A per-title ladder: each rung's CRF is searched so its VMAF (against the source at the rung's size) meets this;
    /// the rung's bitrate becomes a cap (VBV) instead of a target.
    /// </summary>
    public double? TargetVmaf { get; init; }
}

/// <summary>Scrubbing previews for a package: one tile every <see cref="IntervalSeconds"/>, <see cref="Width"/> wide.</summary>
public sealed record ThumbnailTrack(double IntervalSeconds = 5, int Width = 160);

/// <summary>A planned rung: even dimensions, a bitrate capped at the source's, and its VBV.</summary>
public sealed record Rendition(string Name, int Width, int Height, long BitrateBps)
{
    /// <summary>A CRF found for a quality target (the bitrate then caps it); null: encode at the bitrate.</summary>
    public double? Crf { get; init; }

    /// <summary>The sample aspect that makes this size show the source's display aspect exactly; null: square pixels.</summary>
    public Probe.Ratio? Sar { get; init; }

    public long MaxRateBps => BitrateBps * 107 / 100;

    public long BufferBps => BitrateBps * 3 / 2;
}

/// <summary>What a packaging job produced (stored on the job).</summary>
public sealed record StreamingResult(
    string Format,
    string Manifest,
    IReadOnlyList<RenditionView> Variants,
    long? AudioBitrate,
    double SegmentDuration,
    string SegmentType,
    IReadOnlyList<string> Dropped)
{
    /// <summary>The storyboard (WebVTT) of the thumbnails track, when one was asked for.</summary>
    public string? ThumbnailsVtt { get; init; }
}

public sealed record RenditionView(string Name, int Width, int Height, long Bitrate, string? Playlist)
{
    /// <summary>With a quality target: the CRF the rung was encoded with.</summary>
    public double? Crf { get; init; }

    /// <summary>With a quality target: the VMAF the rung's encode scored on the samples (against the source at its size).</summary>
    public double? Vmaf { get; init; }
}
