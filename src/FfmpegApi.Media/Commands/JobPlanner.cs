using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Commands;

/// <summary>The ffmpeg command for a job, plus what progress needs to turn output time into a percent.</summary>
public sealed record JobPlan(FfmpegCommand Command, double? ExpectedDurationSeconds);

/// <summary>The plan could not be made from this spec and this input (a job failure, not a server error).</summary>
public sealed class PlanningException(string message) : Exception(message);

/// <summary>JobSpec + probed input → typed command steps. Pure: no I/O.</summary>
public static class JobPlanner
{
    /// <summary>
    /// Plans the command. With <paramref name="input"/> null (the probe still running) every requested stream is
    /// mapped as optional and the expected duration is unknown; <see cref="CheckStreams"/> runs once it is known.
    /// </summary>
    public static JobPlan Plan(JobSpec spec, MediaInfo? input, string inputFile, string outputFile, Func<string, bool> hasEncoder)
    {
        var container = FormatCatalog.FindContainer(spec.Output.Format)
            ?? throw new PlanningException($"Unknown output format '{spec.Output.Format}'.");
        if (input is not null)
        {
            CheckStreams(spec, input);
        }

        var wantVideo = spec.Output.Video is not null && (input is null || input.FirstVideo is not null);
        var wantAudio = spec.Output.Audio is not null && (input is null || input.FirstAudio is not null);

        var command = FfmpegCommand.For(inputFile, outputFile).With(new StreamMapStep(wantVideo, wantAudio));
        var trim = spec.Operations.OfType<TrimOperation>().LastOrDefault();
        if (trim is not null)
        {
            command.With(new TrimStep(trim.Start, trim.Duration));
        }

        if (wantVideo)
        {
            var video = spec.Output.Video!;
            var copy = video.Codec == "copy";
            if (!copy)
            {
                foreach (var scale in spec.Operations.OfType<ScaleOperation>())
                {
                    command.With(new ScaleStep(scale.Width ?? -2, scale.Height ?? -2));
                }

                if (video.Width is not null || video.Height is not null)
                {
                    command.With(new ScaleStep(video.Width ?? -2, video.Height ?? -2));
                }
            }

            command.With(new VideoEncoderStep(PickEncoder(video.Codec, FormatCatalog.VideoEncoders, hasEncoder), video.Preset, video.Crf, ParseBitrate(video.Bitrate)));
            if (video.Fps is { } fps && !copy)
            {
                command.With(new FrameRateStep(fps));
            }
        }

        if (wantAudio)
        {
            var audio = spec.Output.Audio!;
            command.With(new AudioEncoderStep(PickEncoder(audio.Codec, FormatCatalog.AudioEncoders, hasEncoder), ParseBitrate(audio.Bitrate), audio.Channels, audio.SampleRate));
        }

        command.With(new MuxerStep(container.Muxer));
        return new JobPlan(command, input is null ? null : ExpectedDuration(input.DurationSeconds, trim));
    }

    /// <summary>Throws when the input has no stream the requested output can carry.</summary>
    public static void CheckStreams(JobSpec spec, MediaInfo input)
    {
        var video = spec.Output.Video is not null && input.FirstVideo is not null;
        var audio = spec.Output.Audio is not null && input.FirstAudio is not null;
        if (!video && !audio)
        {
            throw new PlanningException(spec.Output.Video is null
                ? "The input has no audio stream to put in an audio-only output."
                : "The input has no stream that this output can carry.");
        }
    }

    /// <summary>The output duration for a spec, given the probed input.</summary>
    public static double? ExpectedDuration(JobSpec spec, MediaInfo input) =>
        ExpectedDuration(input.DurationSeconds, spec.Operations.OfType<TrimOperation>().LastOrDefault());

    /// <summary>The output's length: the input's, minus the trim start, capped by the trim duration.</summary>
    public static double? ExpectedDuration(double? inputSeconds, TrimOperation? trim)
    {
        if (trim is null)
        {
            return inputSeconds;
        }

        double? remaining = inputSeconds is { } d ? Math.Max(0, d - trim.Start) : null;
        return (remaining, trim.Duration) switch
        {
            ({ } r, { } t) => Math.Min(r, t),
            (null, { } t) => t,
            ({ } r, null) => r,
            _ => null,
        };
    }

    private static string PickEncoder(string codec, IReadOnlyDictionary<string, string[]> table, Func<string, bool> hasEncoder)
    {
        if (codec == "copy")
        {
            return "copy";
        }

        var candidates = table.GetValueOrDefault(codec) ?? throw new PlanningException($"Unknown codec '{codec}'.");
        return candidates.FirstOrDefault(hasEncoder)
            ?? throw new PlanningException($"This ffmpeg has no encoder for '{codec}' (tried {string.Join(", ", candidates)}).");
    }

    private static long? ParseBitrate(string? text) => Bitrate.TryParse(text, out var bps) ? bps : null;
}
