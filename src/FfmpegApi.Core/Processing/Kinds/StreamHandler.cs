using System.Text.Json;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Specs;
using FfmpegApi.Media.Streaming;
using FfmpegApi.Media.Thumbnails;

namespace FfmpegApi.Core.Processing.Kinds;

/// <summary>
/// Adaptive streaming (HLS/DASH): probe, plan the ladder (per-title CRFs first when the job has a quality target),
/// package in one ffmpeg run, add the scrubbing-thumbnails track, and hand the package directory to the publisher.
/// </summary>
internal sealed class StreamHandler(InputProbe probes, PassRunner passes, LadderQuality ladders) : JobHandler<StreamSpec>
{
    public override async Task<JobProduct> RunAsync(JobRun run, StreamSpec spec, ResolvedPath input, ResolvedPath output, CancellationToken cancellationToken)
    {
        var streaming = spec.Streaming;
        var info = await probes.ProbeOrFailAsync(input, cancellationToken);
        var package = Path.Combine(run.Workspace, "package");
        var searches = streaming.TargetVmaf is null ? null : await ladders.SearchAsync(run, spec, streaming, info, input.PhysicalPath, cancellationToken);
        var (start, share) = (spec.Shares.Search, spec.Shares.Work);
        var plan = JobFailure.Planned("INVALID_INPUT", () => StreamingPlanner.Plan(spec, streaming, info, input.PhysicalPath, package, searches?.ToDictionary(s => s.Key, s => s.Value.Crf, StringComparer.Ordinal)));
        run.ExpectedSeconds = plan.ExpectedDurationSeconds;
        run.Log($"ladder: {string.Join(", ", plan.Renditions.Select(r => $"{r.Width}x{r.Height}@{r.BitrateBps / 1000}k"))}{(plan.Dropped.Count > 0 ? $"; dropped above the source: {string.Join(", ", plan.Dropped)}" : string.Empty)}");
        Directory.CreateDirectory(package);
        var packageWeight = streaming.Thumbnails is null ? 1 : 1 - StreamSpec.ThumbnailTrackShare;
        await passes.RunAsync(run, plan.Pass with { Weight = packageWeight * share }, start, null, cancellationToken);
        string? storyboard = null;
        if (streaming.Thumbnails is { } track)
        {
            // A second, cheap pass (one frame per interval, small tiles): scrubbing previews beside the renditions.
            var thumbs = Path.Combine(package, "thumbnails");
            Directory.CreateDirectory(thumbs);
            var layout = new SpriteLayout(5, 5);
            var thumbPlan = ThumbnailPlanner.Plan(new ThumbnailSpec(ThumbnailMode.Interval, Interval: track.IntervalSeconds, Width: track.Width, Sprite: layout), info, input.PhysicalPath, thumbs);
            await passes.RunAsync(run, thumbPlan.Pass with { Weight = StreamSpec.ThumbnailTrackShare * share }, start + (packageWeight * share), null, cancellationToken);
            await ThumbnailsHandler.WriteStoryboardAsync(thumbPlan, layout, [.. Directory.GetFiles(thumbs).Order(StringComparer.Ordinal)], Path.Combine(thumbs, "storyboard.vtt"), info.DurationSeconds, cancellationToken);
            storyboard = "thumbnails/storyboard.vtt";
        }

        var vmafs = searches is null ? null : await ladders.MeasureAsync(run, spec, plan.Renditions, package, searches, cancellationToken);
        var manifestName = Path.GetFileName(output.PhysicalPath);
        var produced = Path.Combine(package, streaming.Format == StreamingFormat.Hls ? PackagingStep.HlsMaster : PackagingStep.DashManifest);
        if (!File.Exists(produced))
        {
            throw new JobFailure("FFMPEG_FAILED", "ffmpeg finished without writing the playlist/manifest.");
        }

        if (Path.GetFileName(produced) != manifestName)
        {
            File.Move(produced, Path.Combine(package, manifestName));
        }

        var virtualDir = output.VirtualPath[..output.VirtualPath.LastIndexOf('/')];
        var top = plan.Renditions[0];
        var hls = streaming.Format == StreamingFormat.Hls;
        var metadata = new OutputMetadata(output.VirtualPath, 0, plan.ExpectedDurationSeconds, hls ? "hls" : "dash", "h264", plan.Audio ? "aac" : null, top.Width, top.Height, info.FirstVideo?.FrameRate, null, plan.Audio ? 2 : null);
        var result = new StreamingResult(
            hls ? "hls" : "dash",
            output.VirtualPath,
            [.. plan.Renditions.Select(r => new RenditionView(r.Name, r.Width, r.Height, r.BitrateBps, hls ? $"{virtualDir}/v{r.Name}/index.m3u8" : null) { Crf = r.Crf, Vmaf = vmafs?.GetValueOrDefault(r.Name) })],
            plan.Audio ? streaming.AudioBitrateBps : null,
            streaming.SegmentSeconds,
            !hls || streaming.Segments == SegmentContainer.Fmp4 ? "fmp4" : "ts",
            plan.Dropped)
        { ThumbnailsVtt = storyboard is null ? null : $"{virtualDir}/{storyboard}" };
        return new FileSetProduct(package, output, metadata, JsonSerializer.Serialize(result, JsonDefaults.Options));
    }
}
