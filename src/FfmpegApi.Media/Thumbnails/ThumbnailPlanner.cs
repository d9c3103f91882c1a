using System.Globalization;
using System.Text;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Commands.Filtergraph;
using FfmpegApi.Media.Probe;

namespace FfmpegApi.Media.Thumbnails;

/// <summary>The extraction run, where each image falls in time, and the tile size.</summary>
public sealed record ThumbnailPlan(PlannedPass Pass, IReadOnlyList<double> Times, int Width, int Height, string FilePattern, double Spacing);

/// <summary>
/// Plans extraction in one decode: a single frame is a fast input seek; series use the <c>select</c> filter (one frame
/// per spacing) so the input is read once, then scale to an exact even size, and for sprites <c>tile</c> into sheets.
/// </summary>
public static class ThumbnailPlanner
{
    /// <summary>Why a file without a picture gets no thumbnails.</summary>
    public const string NoVideo = "The input has no video stream to take thumbnails from.";

    /// <param name="decodeFromStart">
    /// For one image: seek by decoding from the start (<c>-ss</c> on the output) instead of jumping (<c>-ss</c> on the
    /// input). The jump is fast but finds nothing in some files (MPEG-TS with a late start, a cut file).
    /// </param>
    public static ThumbnailPlan Plan(ThumbnailSpec spec, MediaInfo input, string inputFile, string directory, bool decodeFromStart = false)
    {
        var video = input.FirstVideo ?? throw new PlanningException(NoVideo);
        var shown = video.DisplaySize ?? throw new PlanningException("The input's video size is unknown.");

        // Sized as the picture is shown: upright (ffmpeg turns rotated frames first) and in square pixels.
        var (width, height) = Size(spec, shown.Width, shown.Height);
        var duration = input.DurationSeconds ?? video.DurationSeconds;
        var (times, spacing) = Times(spec, input, duration);
        return Build(spec, times, spacing, width, height, $"scale={width}:{height}", inputFile, directory, decodeFromStart);
    }

    /// <summary>The image size for a picture shown <paramref name="shownWidth"/>×<paramref name="shownHeight"/>, both even.</summary>
    public static (int Width, int Height) Size(ThumbnailSpec spec, int shownWidth, int shownHeight)
    {
        if (spec.Height is { } asked)
        {
            if (spec.Width is { } box)
            {
                return (Even(box), Even(asked));
            }

            var height = Math.Max(2, Math.Min(asked, shownHeight) / 2 * 2);
            return (Even(height * (double)shownWidth / shownHeight), height);
        }

        var width = Math.Min(spec.Width ?? shownWidth, shownWidth);
        width = Math.Max(2, width - (width % 2));
        return (width, Even(width * (double)shownHeight / shownWidth));
    }

    private static int Even(double side) => Math.Max(2, (int)Math.Round(side / 2) * 2);

    /// <summary>
    /// One image at a given time, planned without the input's facts (no ffprobe before ffmpeg): the size is ffmpeg's to
    /// work out with the same rule as <see cref="Plan"/> (shown width, at most the asked width, even, height following the
    /// aspect), so the plan's <see cref="ThumbnailPlan.Width"/> and <see cref="ThumbnailPlan.Height"/> are 0 until ffmpeg
    /// says what it wrote. A time past the end writes no image (then <see cref="Plan"/> with the input's facts explains).
    /// </summary>
    public static ThumbnailPlan PlanAtTime(ThumbnailSpec spec, double time, string inputFile, string directory)
    {
        // iw*sar is the shown width (ffmpeg turns rotated frames before any filter); commas are quoted in the graph.
        const string Shown = "round(iw*sar)";
        var widest = spec.Width is { } asked ? $"min({asked.ToString(CultureInfo.InvariantCulture)},{Shown})" : Shown;
        var scale = (spec.Width, spec.Height) switch
        {
            (_, null) => $"scale=w='max(2,trunc({widest}/2)*2)':h='max(2,round(ow*ih/{Shown}/2)*2)'",
            ({ } w, { } h) => $"scale={Even(w)}:{Even(h)}",
            (null, { } h) => $"scale=w='max(2,round(oh*{Shown}/ih/2)*2)':h='max(2,trunc(min({h.ToString(CultureInfo.InvariantCulture)},ih)/2)*2)'",
        };
        return Build(spec, [time], 0, 0, 0, scale, inputFile, directory, decodeFromStart: false);
    }

    private static ThumbnailPlan Build(ThumbnailSpec spec, List<double> times, double spacing, int width, int height, string scale, string inputFile, string directory, bool decodeFromStart)
    {
        var prefix = spec.Sprite is not null ? "sprite" : spec.Mode == ThumbnailMode.Sequence ? "frame" : "thumb";
        var pattern = Path.Combine(directory, $"{prefix}_%04d.{spec.Format}");
        var command = FfmpegCommand.For(inputFile, pattern);
        if (spec.Mode == ThumbnailMode.One)
        {
            command.With(new TrimStep(times[0], null) { SeekOnOutput = decodeFromStart });
        }

        var filters = new List<string>();
        if (spec.Mode == ThumbnailMode.Sequence)
        {
            if (spec.Fps is { } rate)
            {
                filters.Add($"fps={FilterEscaping.Number(rate)}");
            }
        }
        else if (spec.Mode != ThumbnailMode.One)
        {
            // The first frame, then the first frame at least one spacing after the last one picked. (The fps filter
            // rounds at the end and can drop the last image; select follows the real frame times.)
            var gap = Math.Max(0.001, spacing - 0.001).ToString("0.######", CultureInfo.InvariantCulture);
            filters.Add($"select='isnan(prev_selected_t)+gte(t-prev_selected_t,{gap})'");
        }

        filters.Add($"{scale}:flags=lanczos,setsar=1");
        if (spec.Sprite is { } sprite)
        {
            filters.Add($"tile={sprite.Columns}x{sprite.Rows}");
        }

        var frames = spec.Sprite is { } s ? (int)Math.Ceiling(times.Count / (double)(s.Columns * s.Rows)) : times.Count;
        command.With(new StreamMapStep(true, false)).With(new ImageSequenceStep(string.Join(',', filters), frames, spec.Format) { Quality = spec.Quality });
        return new ThumbnailPlan(new PlannedPass("processing", 1, command), times, width, height, pattern, spacing);
    }

    /// <summary>The WebVTT storyboard: each thumbnail's time span → its sheet and rectangle (<c>#xywh=</c>).</summary>
    public static string StoryboardVtt(IReadOnlyList<double> times, double spacing, SpriteLayout sprite, int width, int height, Func<int, string> sheetName, double? duration)
    {
        var vtt = new StringBuilder("WEBVTT\n\n");
        var perSheet = sprite.Columns * sprite.Rows;
        for (var i = 0; i < times.Count; i++)
        {
            var start = times[i];
            var end = i + 1 < times.Count ? times[i + 1] : Math.Max(start + spacing, duration ?? 0);
            var tile = i % perSheet;
            var x = tile % sprite.Columns * width;
            var y = tile / sprite.Columns * height;
            vtt.Append(CultureInfo.InvariantCulture, $"{Timestamp(start)} --> {Timestamp(end)}\n{sheetName(i / perSheet)}#xywh={x},{y},{width},{height}\n\n");
        }

        return vtt.ToString();
    }

    private static (List<double> Times, double Spacing) Times(ThumbnailSpec spec, MediaInfo input, double? duration)
    {
        switch (spec.Mode)
        {
            case ThumbnailMode.One:
                var at = spec.Time ?? (duration is { } d ? Math.Round(d * 0.1, 3) : 0);
                if (duration is { } total && at >= total)
                {
                    throw new PlanningException($"'time' ({at.ToString(CultureInfo.InvariantCulture)} s) is past the end of the input ({total.ToString("0.###", CultureInfo.InvariantCulture)} s).");
                }

                return ([at], 0);
            case ThumbnailMode.Count:
                var length = duration ?? throw new PlanningException("Evenly spaced thumbnails need an input with a known duration.");
                var spacing = length / spec.Count!.Value;
                return ([.. Enumerable.Range(0, spec.Count.Value).Select(i => Math.Round(i * spacing, 3))], spacing);
            case ThumbnailMode.Sequence:
                var rate = spec.Fps ?? input.FirstVideo?.FrameRate ?? 25;
                var frames = duration is { } seconds ? Math.Min(ThumbnailSpec.MaxSequenceFrames, Math.Max(1, (int)Math.Ceiling(seconds * rate))) : ThumbnailSpec.MaxSequenceFrames;
                return ([.. Enumerable.Range(0, frames).Select(i => Math.Round(i / rate, 3))], 1 / rate);
            default:
                var every = spec.Interval!.Value;
                var n = duration is { } dd ? Math.Min(ThumbnailSpec.MaxImages, Math.Max(1, (int)Math.Ceiling(dd / every))) : ThumbnailSpec.MaxImages;
                return ([.. Enumerable.Range(0, n).Select(i => Math.Round(i * every, 3))], every);
        }
    }

    private static string Timestamp(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}.{t.Milliseconds:000}");
    }
}

/// <summary>Numbered still images: the filter chain, a frame cap, and the encoder for the format.</summary>
public sealed record ImageSequenceStep(string Filters, int MaxFrames, string Format) : IOutputOptionStep
{
    /// <summary>JPEG/WebP quality (null: JPEG q 3, WebP 80).</summary>
    public ThumbnailQuality? Quality { get; init; }

    public IEnumerable<string> OutputArguments
    {
        get
        {
            List<string> args = ["-vf", Filters, "-fps_mode", "vfr", "-frames:v", MaxFrames.ToString(CultureInfo.InvariantCulture)];
            args.AddRange(Format switch
            {
                "png" => ["-c:v", "png"],
                "webp" => ["-c:v", "libwebp", "-q:v", Quality switch { ThumbnailQuality.High => "90", ThumbnailQuality.Medium => "75", ThumbnailQuality.Low => "50", _ => "80" }],
                _ => ["-c:v", "mjpeg", "-q:v", Quality switch { ThumbnailQuality.High => "2", ThumbnailQuality.Medium => "5", ThumbnailQuality.Low => "10", _ => "3" }, "-pix_fmt", "yuvj420p"],
            });
            args.AddRange(["-f", "image2", "-start_number", "1"]);
            return args;
        }
    }
}
