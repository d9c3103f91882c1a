using System.Text.Json;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Thumbnails;

namespace FfmpegApi.Core.Processing;

/// <summary>Thumbnail jobs: probe, extract in one decode, write the storyboard, publish the directory.</summary>
public sealed partial class JobRunner
{
    private async Task<(OutputMetadata Metadata, string ResultJson)> ThumbnailsAsync(RunState state, ThumbnailSpec thumbnails, ResolvedPath input, ResolvedPath output)
    {
        var info = await ProbeOrFailAsync(input, state);
        var images = Path.Combine(state.Workspace, "images");
        Directory.CreateDirectory(images);
        ThumbnailPlan plan;
        try
        {
            plan = ThumbnailPlanner.Plan(thumbnails, info, input.PhysicalPath, images);
        }
        catch (PlanningException ex)
        {
            throw new JobFailure("INVALID_INPUT", ex.Message);
        }

        state.ExpectedSeconds = thumbnails.Mode == ThumbnailMode.One ? null : info.DurationSeconds;
        await RunPassAsync(state, plan.Pass, 0, null);

        var files = Directory.GetFiles(images).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0 && thumbnails.Mode == ThumbnailMode.One)
        {
            // The fast seek found no frame (MPEG-TS with a late start, a cut file): decode from the start instead.
            state.Run.Log.Add(Line("the fast seek wrote no image; decoding from the start"));
            plan = ThumbnailPlanner.Plan(thumbnails, info, input.PhysicalPath, images, decodeFromStart: true);
            await RunPassAsync(state, plan.Pass, 0, null);
            files = [.. Directory.GetFiles(images).Order(StringComparer.Ordinal)];
        }

        if (files.Count == 0)
        {
            throw new JobFailure("FFMPEG_FAILED", "ffmpeg wrote no images (is 'time' inside the video?).");
        }

        if (thumbnails.ToFile)
        {
            // One image named by the request (poster.jpg): published as that file, like a conversion's output.
            await ConfirmLeaseAsync(state);
            var published = await publisher.PublishAsync(files[0], output, state.Run.Token);
            var single = new ThumbnailResult(thumbnails.Format, plan.Width, plan.Height, [new ThumbnailImage(output.VirtualPath, plan.Times[0])], null);
            return (published with { Width = plan.Width, Height = plan.Height }, JsonSerializer.Serialize(single, JsonDefaults.Options));
        }

        var directory = Path.GetDirectoryName(output.PhysicalPath)!;
        var virtualDir = output.VirtualPath[..output.VirtualPath.LastIndexOf('/')];
        string Virtual(string file) => $"{virtualDir}/{Path.GetFileName(file)}";
        SpriteResult? sprite = null;
        List<ThumbnailImage> listed;
        if (thumbnails.Sprite is { } layout)
        {
            await WriteStoryboardAsync(plan, layout, files, Path.Combine(images, Path.GetFileName(output.PhysicalPath)), info.DurationSeconds, state.Run.Token);
            sprite = new SpriteResult(output.VirtualPath, [.. files.Select(Virtual)], layout.Columns, layout.Rows, plan.Width, plan.Height, plan.Spacing);
            listed = [];
        }
        else
        {
            // The job's output path names the first image (thumb_0001.ext).
            listed = [.. files.Select((f, i) => new ThumbnailImage(Virtual(f), i < plan.Times.Count ? plan.Times[i] : plan.Times[^1]))];
        }

        await ConfirmLeaseAsync(state);
        // An object prefix gets the set file by file, the output's named file (first image or storyboard) last.
        var size = output.Mount == OutputPublisher.ObjectMount
            ? await publisher.PublishPackageAsync(images, output.VirtualPath, state.Run.Token)
            : OutputPublisher.PublishDirectory(images, directory);
        var metadata = new OutputMetadata(output.VirtualPath, size, null, thumbnails.Format, thumbnails.Format == "jpg" ? "mjpeg" : thumbnails.Format, null, plan.Width, plan.Height, null, null, null);
        var result = new ThumbnailResult(thumbnails.Format, plan.Width, plan.Height, listed, sprite);
        return (metadata, JsonSerializer.Serialize(result, JsonDefaults.Options));
    }

    /// <summary>
    /// The WebVTT index of sprite sheets. The tile filter emits a sheet per Columns×Rows thumbnails (the last may be
    /// partly empty), so only the times that landed on a sheet get a cue.
    /// </summary>
    private static Task WriteStoryboardAsync(ThumbnailPlan plan, SpriteLayout layout, List<string> sheets, string vttFile, double? duration, CancellationToken cancellationToken)
    {
        var count = Math.Min(plan.Times.Count, sheets.Count * layout.Columns * layout.Rows);
        var vtt = ThumbnailPlanner.StoryboardVtt([.. plan.Times.Take(count)], plan.Spacing, layout, plan.Width, plan.Height, i => Path.GetFileName(sheets[Math.Min(i, sheets.Count - 1)]), duration);
        return File.WriteAllTextAsync(vttFile, vtt, cancellationToken);
    }
}
