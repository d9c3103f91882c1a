using System.Globalization;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;
using FfmpegApi.Media.Streaming;

namespace FfmpegApi.Core.Processing.Kinds;

/// <summary>
/// A per-title ladder (<c>target_quality</c> on a stream job): each rung's CRF is searched like a single encode's, at
/// the rung's size and with its bitrate as the VBV cap; after packaging, each rung's segments are joined and scored on
/// the same sample windows.
/// </summary>
internal sealed class LadderQuality(FfmpegTools tools, CrfSearcher searcher)
{
    public async Task<Dictionary<string, CrfSearchOutcome>> SearchAsync(JobRun run, StreamSpec spec, StreamingSpec streaming, MediaInfo info, string inputFile, CancellationToken cancellationToken)
    {
        var ladder = JobFailure.Planned("INVALID_INPUT", () => LadderPlanner.Plan(streaming.Variants, info).Renditions);
        var capabilities = await tools.GetCapabilitiesAsync();
        var context = new PlanContext(inputFile, Path.Combine(run.Workspace, "sample.mkv"), capabilities.HasEncoder);
        var found = new Dictionary<string, CrfSearchOutcome>(StringComparer.Ordinal);
        var share = spec.Shares.Search / ladder.Count;
        foreach (var (i, rung) in ladder.Index())
        {
            // What the packaging step runs for this rung, as a convert output: size, preset, profile and the VBV cap.
            var video = new VideoSpec("h264", "veryfast", null, null, rung.Width, rung.Height)
            {
                Profile = "high",
                MaxRate = rung.MaxRateBps.ToString(CultureInfo.InvariantCulture),
                BufferSize = rung.BufferBps.ToString(CultureInfo.InvariantCulture),
            };
            found[rung.Name] = await searcher.SearchAsync(run, spec.AsSampleSource(), info, context, video, streaming.TargetVmaf!.Value, i * share, share, cancellationToken);
        }

        return found;
    }

    /// <summary>Each rung's VMAF on the sample windows: its segments joined into one file, compared frame by frame.</summary>
    public async Task<Dictionary<string, double>> MeasureAsync(JobRun run, StreamSpec spec, IReadOnlyList<Rendition> renditions, string package, Dictionary<string, CrfSearchOutcome> searches, CancellationToken cancellationToken)
    {
        var streaming = spec.Streaming;
        var measured = new Dictionary<string, double>(StringComparer.Ordinal);
        var verify = spec.Shares.Verify;
        var unit = verify / renditions.Count;
        foreach (var (i, rung) in renditions.Index())
        {
            var joined = JoinRendition(package, streaming, i, rung.Name, Path.Combine(run.Workspace, "quality", $"rung-{rung.Name}"));
            measured[rung.Name] = await searcher.MeasureWindowsAsync(run, joined, searches[rung.Name].References, 1, 1 - verify + (i * unit), unit, cancellationToken);
            File.Delete(joined);
            run.Log(string.Create(CultureInfo.InvariantCulture, $"quality: rung {rung.Name} (crf {searches[rung.Name].Crf:0.##}) scores VMAF {measured[rung.Name]:0.##} on the samples (target {streaming.TargetVmaf:0.##})"));
        }

        return measured;
    }

    /// <summary>
    /// One rendition as a single playable file: MPEG-TS segments concatenate as they are; fragmented MP4 is the init
    /// segment followed by the media segments.
    /// </summary>
    private static string JoinRendition(string package, StreamingSpec streaming, int index, string name, string into)
    {
        IEnumerable<string> parts;
        string extension;
        if (streaming.Format == StreamingFormat.Hls)
        {
            var dir = Path.Combine(package, "v" + name);
            var fmp4 = streaming.Segments == SegmentContainer.Fmp4;
            parts = fmp4 ? [Path.Combine(dir, "init.mp4"), .. Directory.GetFiles(dir, "seg_*.m4s").Order(StringComparer.Ordinal)] : Directory.GetFiles(dir, "seg_*.ts").Order(StringComparer.Ordinal);
            extension = fmp4 ? ".mp4" : ".ts";
        }
        else
        {
            parts = [Path.Combine(package, $"init-{index}.m4s"), .. Directory.GetFiles(package, $"chunk-{index}-*.m4s").Order(StringComparer.Ordinal)];
            extension = ".mp4";
        }

        var file = into + extension;
        using var output = File.Create(file);
        foreach (var part in parts)
        {
            using var input = File.OpenRead(part);
            input.CopyTo(output);
        }

        return file;
    }
}
