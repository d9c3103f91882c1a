using System.Text.Json;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Specs;
using FfmpegApi.Media.Streaming;
using FfmpegApi.Media.Thumbnails;

namespace FfmpegApi.Core.Processing;

/// <summary>Adaptive-streaming jobs: probe, plan the ladder, package in one ffmpeg run, publish the directory.</summary>
public sealed partial class JobRunner
{
    /// <summary>Share of a packaging job's progress given to its thumbnails track.</summary>
    private const double ThumbnailTrackWeight = 0.1;

    private async Task<(OutputMetadata Metadata, string ResultJson)> PackageAsync(RunState state, JobSpec spec, StreamingSpec streaming, ResolvedPath input, ResolvedPath output)
    {
        var info = await ProbeOrFailAsync(input, state);
        var package = Path.Combine(state.Workspace, "package");
        var searches = streaming.TargetVmaf is null ? null : await SearchLadderAsync(state, spec, streaming, info, input.PhysicalPath);
        var (start, share) = searches is null ? (0.0, 1.0) : (SearchShare, 1 - SearchShare - VerifyShare);
        StreamingPlan plan;
        try
        {
            plan = StreamingPlanner.Plan(spec, streaming, info, input.PhysicalPath, package, searches?.ToDictionary(s => s.Key, s => s.Value.Crf, StringComparer.Ordinal));
        }
        catch (PlanningException ex)
        {
            throw new JobFailure("INVALID_INPUT", ex.Message);
        }

        state.ExpectedSeconds = plan.ExpectedDurationSeconds;
        state.Run.Log.Add(Line($"ladder: {string.Join(", ", plan.Renditions.Select(r => $"{r.Width}x{r.Height}@{r.BitrateBps / 1000}k"))}{(plan.Dropped.Count > 0 ? $"; dropped above the source: {string.Join(", ", plan.Dropped)}" : string.Empty)}"));
        Directory.CreateDirectory(package);
        var packageWeight = streaming.Thumbnails is null ? 1 : 1 - ThumbnailTrackWeight;
        await RunPassAsync(state, plan.Pass with { Weight = packageWeight * share }, start, null);
        string? storyboard = null;
        if (streaming.Thumbnails is { } track)
        {
            // A second, cheap pass (one frame per interval, small tiles): scrubbing previews beside the renditions.
            var thumbs = Path.Combine(package, "thumbnails");
            Directory.CreateDirectory(thumbs);
            var layout = new SpriteLayout(5, 5);
            var thumbPlan = ThumbnailPlanner.Plan(new ThumbnailSpec(ThumbnailMode.Interval, Interval: track.IntervalSeconds, Width: track.Width, Sprite: layout), info, input.PhysicalPath, thumbs);
            await RunPassAsync(state, thumbPlan.Pass with { Weight = ThumbnailTrackWeight * share }, start + (packageWeight * share), null);
            await WriteStoryboardAsync(thumbPlan, layout, [.. Directory.GetFiles(thumbs).Order(StringComparer.Ordinal)], Path.Combine(thumbs, "storyboard.vtt"), info.DurationSeconds, state.Run.Token);
            storyboard = "thumbnails/storyboard.vtt";
        }

        var vmafs = searches is null ? null : await MeasureLadderAsync(state, streaming, plan.Renditions, package, searches);
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
        await ConfirmLeaseAsync(state);
        var size = output.Mount == OutputPublisher.ObjectMount
            ? await publisher.PublishPackageAsync(package, output.VirtualPath, state.Run.Token)
            : OutputPublisher.PublishDirectory(package, Path.GetDirectoryName(output.PhysicalPath)!);
        var top = plan.Renditions[0];
        var metadata = new OutputMetadata(output.VirtualPath, size, plan.ExpectedDurationSeconds, streaming.Format == StreamingFormat.Hls ? "hls" : "dash", "h264", plan.Audio ? "aac" : null, top.Width, top.Height, info.FirstVideo?.FrameRate, null, plan.Audio ? 2 : null);
        var result = new StreamingResult(
            streaming.Format == StreamingFormat.Hls ? "hls" : "dash",
            output.VirtualPath,
            [.. plan.Renditions.Select(r => new RenditionView(r.Name, r.Width, r.Height, r.BitrateBps, streaming.Format == StreamingFormat.Hls ? $"{virtualDir}/v{r.Name}/index.m3u8" : null) { Crf = r.Crf, Vmaf = vmafs?.GetValueOrDefault(r.Name) })],
            plan.Audio ? streaming.AudioBitrateBps : null,
            streaming.SegmentSeconds,
            streaming.Format == StreamingFormat.Dash || streaming.Segments == SegmentContainer.Fmp4 ? "fmp4" : "ts",
            plan.Dropped)
        { ThumbnailsVtt = storyboard is null ? null : $"{virtualDir}/{storyboard}" };
        return (metadata, JsonSerializer.Serialize(result, JsonDefaults.Options));
    }
}
