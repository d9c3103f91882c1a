using FfmpegApi.Media.Probe;

namespace FfmpegApi.Media.Streaming;

/// <summary>
/// Turns requested variants (or none: an automatic ladder) into renditions the source can feed: rungs taller than
/// the source are dropped (no upscaled renditions), bitrates are capped at the source's, widths follow the source's
/// display aspect rounded to even numbers.
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
        var (srcW, srcH) = (video.Width ?? 0, video.Height ?? 0);
        if (srcW <= 0 || srcH <= 0)
        {
            throw new Commands.PlanningException("The input's video size is unknown.");
        }

        var ladder = requested ?? DefaultLadder;
        var dropped = new List<string>();
        var kept = new List<RenditionRequest>();
        foreach (var rung in ladder.OrderByDescending(r => r.Height))
        {
            if (rung.Height > srcH)
            {
                dropped.Add($"{rung.Height}p");
            }
            else if (kept.All(k => k.Height != rung.Height))
            {
                kept.Add(rung);
            }
        }

        if (kept.Count == 0)
        {
            // Every rung was above the source: one rendition at the source's own height.
            kept.Add(new RenditionRequest(Even(srcH), ladder.Max(r => r.BitrateBps) ?? DefaultBitrate(srcH)));
        }

        var sourceBitrate = source.BitRate;
        var renditions = kept.Select(r =>
        {
            var height = Even(r.Height);
            var width = Math.Max(2, (int)Math.Round(height * (double)srcW / srcH / 2) * 2);
            var bitrate = r.BitrateBps ?? DefaultBitrate(height);
            if (sourceBitrate is > 0 && bitrate > sourceBitrate.Value)
            {
                bitrate = sourceBitrate.Value;
            }

            return new Rendition($"{height}p", width, height, bitrate);
        }).ToList();
        return (renditions, dropped);
    }

    /// <summary>A bitrate for a height when the request gave none (interpolated from the default ladder).</summary>
    public static long DefaultBitrate(int height)
    {
        var nearest = DefaultLadder.MinBy(r => Math.Abs(r.Height - height))!;
        return nearest.BitrateBps!.Value * height / nearest.Height;
    }

    private static int Even(int value) => Math.Max(2, value - (value % 2));
}
