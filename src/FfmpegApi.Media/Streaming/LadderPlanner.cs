using FfmpegApi.Media.Probe;

namespace FfmpegApi.Media.Streaming;

/// <summary>
/// Turns requested variants (or none: an automatic ladder) into renditions the source can feed. A rung's number is the
/// short side of the picture as shown (a 1080x1920 phone video is "1080p"), after the source's rotation and sample
/// aspect. Rungs above the source are dropped (no upscaled renditions), and bitrates are capped at the source's.
/// Every rung has even sides and the source's display aspect ratio exactly: the long side is the nearest even size,
/// and where that cannot be exact in square pixels (16:9 at 240p: 426.67) the rung gets the tiny sample aspect that
/// makes it exact (426x240 at 640:639). All rungs then share one aspect, which a DASH adaptation set requires.
/// </summary>
public static class LadderPlanner
{
    /// <summary>The automatic ladder (Apple's HLS authoring guide ballpark for H.264 at 25–30 fps).</summary>
    public static readonly IReadOnlyList<RenditionRequest> DefaultLadder =
    [
        new(1080, 5_000_000),
        new(720, 2_800_000),
        new(480, 1_400_000),
        new(360, 800_000),
        new(240, 400_000),
    ];

    public static (IReadOnlyList<Rendition> Renditions, IReadOnlyList<string> Dropped) Plan(IReadOnlyList<RenditionRequest>? requested, MediaInfo source)
    {
        var video = source.FirstVideo ?? throw new Commands.PlanningException("The input has no video stream to package.");
        var aspect = video.DisplayAspect ?? throw new Commands.PlanningException("The input's video size is unknown.");
        var shown = video.DisplaySize!;
        var shortSide = Math.Min(shown.Width, shown.Height);
        var ladder = requested ?? DefaultLadder;
        var dropped = new List<string>();
        var kept = new List<RenditionRequest>();
        foreach (var rung in ladder.OrderByDescending(r => r.Height))
        {
            if (rung.Height > shortSide)
            {
                dropped.Add(rung.Name ?? $"{rung.Height}p");
            }
            else if (kept.All(k => k.Height != rung.Height))
            {
                kept.Add(rung);
            }
        }

        if (kept.Count == 0)
        {
            // Every rung was above the source: one rendition at the source's own size.
            kept.Add(new RenditionRequest(Even(shortSide), ladder.Max(r => r.BitrateBps) ?? DefaultBitrate(Even(shortSide))));
        }

        var sourceBitrate = source.BitRate;
        var renditions = kept.Select(r =>
        {
            var bitrate = r.BitrateBps ?? DefaultBitrate(Even(r.Height));
            if (sourceBitrate is > 0 && bitrate > sourceBitrate.Value)
            {
                bitrate = sourceBitrate.Value;
            }

            var rendition = Size(r.Height, aspect, bitrate);
            return r.Name is null ? rendition : rendition with { Name = r.Name };
        }).ToList();
        return (renditions, dropped);
    }

    /// <summary>The rendition whose short side is <paramref name="rung"/> (made even) at the display aspect <paramref name="aspect"/>.</summary>
    public static Rendition Size(int rung, Ratio aspect, long bitrate)
    {
        var shortSide = Even(rung);
        var portrait = aspect.Num < aspect.Den;
        var (longNum, longDen) = portrait ? (aspect.Den, aspect.Num) : (aspect.Num, aspect.Den);
        var longSide = (int)Math.Max(2, Math.Round(shortSide * (double)longNum / longDen / 2) * 2);
        var (width, height) = portrait ? (shortSide, longSide) : (longSide, shortSide);

        // Sample aspect = display aspect ÷ storage aspect = (aspect.Num × height) : (aspect.Den × width).
        var sar = Ratio.Reduced(aspect.Num * height, aspect.Den * width);
        return new Rendition($"{shortSide}p", width, height, bitrate) { Sar = sar.Num == sar.Den ? null : sar };
    }

    /// <summary>A bitrate for a height when the request gave none (interpolated from the default ladder).</summary>
    public static long DefaultBitrate(int height)
    {
        var nearest = DefaultLadder.MinBy(r => Math.Abs(r.Height - height))!;
        return nearest.BitrateBps!.Value * height / nearest.Height;
    }

    private static int Even(int value) => Math.Max(2, value - (value % 2));
}
