namespace FfmpegApi.Media.Thumbnails;

public enum ThumbnailMode
{
    /// <summary>One image at <see cref="ThumbnailSpec.Time"/> (default: 10 % into the video).</summary>
    One,

    /// <summary><see cref="ThumbnailSpec.Count"/> images evenly spaced over the duration.</summary>
    Count,

    /// <summary>One image every <see cref="ThumbnailSpec.Interval"/> seconds.</summary>
    Interval,

    /// <summary>An image sequence: every frame, or <see cref="ThumbnailSpec.Fps"/> frames per second.</summary>
    Sequence,
}

/// <summary>How much a lossy image format may lose (JPEG and WebP; PNG is lossless).</summary>
public enum ThumbnailQuality
{
    Low,
    Medium,
    High,
}

/// <summary>A sprite sheet layout: thumbnails tiled <see cref="Columns"/> × <see cref="Rows"/> per sheet.</summary>
public sealed record SpriteLayout(int Columns, int Rows);

/// <summary>
/// Still images from a video: one, N evenly spaced, or every N seconds; optionally tiled into sprite sheets with a
/// WebVTT storyboard index (for scrubbing previews in players).
/// </summary>
public sealed record ThumbnailSpec(
    ThumbnailMode Mode,
    double? Time = null,
    int? Count = null,
    double? Interval = null,
    int? Width = null,
    string Format = "jpg",
    SpriteLayout? Sprite = null,
    double? Fps = null)
{
    /// <summary>Upper bound on images per job (and on sprite tiles), whatever the duration.</summary>
    public const int MaxImages = 1000;

    /// <summary>Upper bound on the frames of an image sequence.</summary>
    public const int MaxSequenceFrames = 10_000;

    public static readonly string[] Formats = ["jpg", "png", "webp"];

    /// <summary>
    /// The image height: with <see cref="Width"/> the exact box (as the original API's <c>scale=w:h</c>), alone the
    /// height (at most the picture's) with the width following the aspect.
    /// </summary>
    public int? Height { get; init; }

    /// <summary>JPEG/WebP quality; null: the default (JPEG q 3, WebP 80).</summary>
    public ThumbnailQuality? Quality { get; init; }

    /// <summary>A single image written to the output path itself (<c>/storage/output/poster.jpg</c>), not into a directory.</summary>
    public bool ToFile { get; init; }

    /// <summary>The format an output file name asks for (<c>poster.jpeg</c> → jpg), or null when it names none of <see cref="Formats"/>.</summary>
    public static string? FormatOfFile(string path)
    {
        var extension = NormalizeFormat(System.IO.Path.GetExtension(path).TrimStart('.'));
        return Array.IndexOf(Formats, extension) >= 0 ? extension : null;
    }

    /// <summary>A format as a request or a file name writes it (<c>JPEG</c>, <c>jpeg</c>) in the form of <see cref="Formats"/>.</summary>
    public static string NormalizeFormat(string format) => format.Trim().ToLowerInvariant().Replace("jpeg", "jpg", StringComparison.Ordinal);
}

/// <summary>What a thumbnail job produced.</summary>
public sealed record ThumbnailResult(
    string Format,
    int Width,
    int Height,
    IReadOnlyList<ThumbnailImage> Images,
    SpriteResult? Sprite);

public sealed record ThumbnailImage(string Path, double Time);

public sealed record SpriteResult(string Vtt, IReadOnlyList<string> Sheets, int Columns, int Rows, int TileWidth, int TileHeight, double Interval);
