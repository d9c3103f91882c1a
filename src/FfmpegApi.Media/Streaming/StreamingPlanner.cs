using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Streaming;

/// <summary>The packaging run, its renditions, and what was left out.</summary>
public sealed record StreamingPlan(PlannedPass Pass, IReadOnlyList<Rendition> Renditions, IReadOnlyList<string> Dropped, bool Audio, double? ExpectedDurationSeconds);

public static class StreamingPlanner
{
    /// <summary>The package run; <paramref name="crfs"/> (rung name → CRF) turns rungs into capped-CRF encodes.</summary>
    public static StreamingPlan Plan(StreamSpec spec, StreamingSpec streaming, MediaInfo input, string inputFile, string packageDirectory, IReadOnlyDictionary<string, double>? crfs = null)
    {
        var (planned, dropped) = LadderPlanner.Plan(streaming.Variants, input);
        IReadOnlyList<Rendition> renditions = crfs is null ? planned : [.. planned.Select(r => r with { Crf = crfs.TryGetValue(r.Name, out var crf) ? crf : null })];
        StreamChecks.CheckAudioTrack(spec, input);
        var audio = input.FirstAudio is not null;
        var step = new PackagingStep(streaming, renditions, audio, packageDirectory) { AudioTrack = spec.AudioTrack ?? 0 };
        var command = FfmpegCommand.ForPattern(inputFile, step.OutputPattern);
        command.With(step);
        return new StreamingPlan(new PlannedPass("processing", 1, command), renditions, dropped, audio, input.DurationSeconds);
    }
}
