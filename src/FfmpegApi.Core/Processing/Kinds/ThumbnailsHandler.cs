using System.Text.Json;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;
using FfmpegApi.Media.Thumbnails;

namespace FfmpegApi.Core.Processing.Kinds;

/// <summary>
/// Thumbnails: probe, extract in one decode (from the start when a fast seek finds nothing), write the storyboard. One
/// image at a given time (a poster frame, the most frequent job) runs without ffprobe: ffmpeg sizes it and describes
/// the input and the image on stderr, which gives the checks and the answer.
/// </summary>
internal sealed class ThumbnailsHandler(InputProbe probes, PassRunner passes) : JobHandler<ThumbnailsSpec>
{
    public override async Task<JobProduct> RunAsync(JobRun run, ThumbnailsSpec spec, ResolvedPath input, ResolvedPath output, CancellationToken cancellationToken)
    {
        var thumbnails = spec.Thumbnails;
        var images = Path.Combine(run.Workspace, "images");
        Directory.CreateDirectory(images);
        MediaInfo? info = null;
        ThumbnailPlan plan;
        if (thumbnails is { Mode: ThumbnailMode.One, Time: { } at })
        {
            plan = ThumbnailPlanner.PlanAtTime(thumbnails, at, input.PhysicalPath, images);
            var watch = new InputWatch(probes, run, input.PhysicalPath, described => probes.CheckFrames(described) ?? (described.FirstVideo is null ? new JobFailure("INVALID_INPUT", ThumbnailPlanner.NoVideo) : null), cancellationToken);
            await passes.RunAsync(run, plan.Pass, 0, watch, cancellationToken);
            info = run.Header?.Input(0);
            plan = await SizedAsync(run, plan, images, cancellationToken);
        }
        else
        {
            info = await probes.ProbeOrFailAsync(input, cancellationToken);
            plan = JobFailure.Planned("INVALID_INPUT", () => ThumbnailPlanner.Plan(thumbnails, info, input.PhysicalPath, images));
            run.ExpectedSeconds = thumbnails.Mode == ThumbnailMode.One ? null : info.DurationSeconds;
            await passes.RunAsync(run, plan.Pass, 0, null, cancellationToken);
        }

        var files = Directory.GetFiles(images).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0 && thumbnails.Mode == ThumbnailMode.One)
        {
            // A time past the end (or no picture) fails with the planner's reason, from ffmpeg's description of the input
            // or a probe; otherwise the fast seek found no frame (MPEG-TS with a late start, a cut file): decode from the start.
            info ??= await probes.ProbeOrFailAsync(input, cancellationToken);
            plan = JobFailure.Planned("INVALID_INPUT", () => ThumbnailPlanner.Plan(thumbnails, info, input.PhysicalPath, images, decodeFromStart: true));
            run.Log("the fast seek wrote no image; decoding from the start");
            await passes.RunAsync(run, plan.Pass, 0, null, cancellationToken);
            files = [.. Directory.GetFiles(images).Order(StringComparer.Ordinal)];
        }

        if (files.Count == 0)
        {
            throw new JobFailure("FFMPEG_FAILED", "ffmpeg wrote no images (is 'time' inside the video?).");
        }

        if (thumbnails.ToFile)
        {
            // One image named by the request (poster.jpg): published as that file, like a conversion's output.
            var single = new ThumbnailResult(thumbnails.Format, plan.Width, plan.Height, [new ThumbnailImage(output.VirtualPath, plan.Times[0])], null);
            return new MediaFileProduct(files[0], output, published => published with { Width = plan.Width, Height = plan.Height }, JsonSerializer.Serialize(single, JsonDefaults.Options));
        }

        var virtualDir = output.VirtualPath[..output.VirtualPath.LastIndexOf('/')];
        string Virtual(string file) => $"{virtualDir}/{Path.GetFileName(file)}";
        SpriteResult? sprite = null;
        List<ThumbnailImage> listed;
        if (thumbnails.Sprite is { } layout)
        {
            await WriteStoryboardAsync(plan, layout, files, Path.Combine(images, Path.GetFileName(output.PhysicalPath)), info?.DurationSeconds, cancellationToken);
            sprite = new SpriteResult(output.VirtualPath, [.. files.Select(Virtual)], layout.Columns, layout.Rows, plan.Width, plan.Height, plan.Spacing);
            listed = [];
        }
        else
        {
            // The job's output path names the first image (thumb_0001.ext).
            listed = [.. files.Select((f, i) => new ThumbnailImage(Virtual(f), i < plan.Times.Count ? plan.Times[i] : plan.Times[^1]))];
        }

        // An object prefix gets the set file by file, the output's named file (first image or storyboard) last.
        var metadata = new OutputMetadata(output.VirtualPath, 0, null, thumbnails.Format, thumbnails.Format == "jpg" ? "mjpeg" : thumbnails.Format, null, plan.Width, plan.Height, null, null, null);
        var result = new ThumbnailResult(thumbnails.Format, plan.Width, plan.Height, listed, sprite);
        return new FileSetProduct(images, output, metadata, JsonSerializer.Serialize(result, JsonDefaults.Options));
    }

    /// <summary>The size ffmpeg gave the image (its description of what it wrote), or the image's own, read back.</summary>
    private async Task<ThumbnailPlan> SizedAsync(JobRun run, ThumbnailPlan plan, string images, CancellationToken cancellationToken)
    {
        if (run.Header?.Output(0)?.Streams.FirstOrDefault(s => s.CodecType == "video") is { Width: > 0 and var w, Height: > 0 and var h })
        {
            return plan with { Width = w, Height = h };
        }

        var first = Directory.GetFiles(images).Order(StringComparer.Ordinal).FirstOrDefault();
        if (first is null)
        {
            return plan;
        }

        var read = await probes.ProbeOrFailAsync(new ResolvedPath("The image ffmpeg wrote", first, string.Empty), cancellationToken);
        return plan with { Width = read.FirstVideo?.Width ?? 0, Height = read.FirstVideo?.Height ?? 0 };
    }

    /// <summary>
    /// The WebVTT index of sprite sheets. The tile filter emits a sheet per Columns×Rows thumbnails (the last may be
    /// partly empty), so only the times that landed on a sheet get a cue.
    /// </summary>
    internal static Task WriteStoryboardAsync(ThumbnailPlan plan, SpriteLayout layout, List<string> sheets, string vttFile, double? duration, CancellationToken cancellationToken)
    {
        var count = Math.Min(plan.Times.Count, sheets.Count * layout.Columns * layout.Rows);
        var vtt = ThumbnailPlanner.StoryboardVtt([.. plan.Times.Take(count)], plan.Spacing, layout, plan.Width, plan.Height, i => Path.GetFileName(sheets[Math.Min(i, sheets.Count - 1)]), duration);
        return File.WriteAllTextAsync(vttFile, vtt, cancellationToken);
    }
}
