using FfmpegApi.Media.Commands.Filtergraph;
using FfmpegApi.Media.Hardware;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Commands;

/// <summary>
/// One ffmpeg run of a job. <see cref="Weight"/> is its share of the job's progress (a job's weights sum to 1);
/// a pass that <see cref="MeasuresLoudness"/> is followed by planning again with what it measured.
/// </summary>
public sealed record PlannedPass(string Stage, double Weight, FfmpegCommand Command, bool MeasuresLoudness = false)
{
    /// <summary>Further outputs written by the same run (one decode feeding several encodes).</summary>
    public IReadOnlyList<FfmpegCommand> ExtraOutputs { get; init; } = [];

    /// <summary>The argv of this run, every output included.</summary>
    public IReadOnlyList<string> Arguments(string? inputFormats = null) => FfmpegCommand.Merge([Command, .. ExtraOutputs], inputFormats);

    /// <summary>The ffmpeg to run (null: the configured main ffmpeg); e.g. a libvmaf-capable build for VMAF.</summary>
    public string? Executable { get; init; }

    /// <summary>Set when this run's video comes from the worker's upscaler (on stdin), fed by this decoder.</summary>
    public UpscaleStage? Upscale { get; init; }
}

/// <summary>The ffmpeg runs for a job, plus what progress needs to turn output time into a percent.</summary>
public sealed record JobPlan(IReadOnlyList<PlannedPass> Passes, double? ExpectedDurationSeconds)
{
    /// <summary>The run that writes the output (the last pass).</summary>
    public FfmpegCommand Command => Passes[^1].Command;

    /// <summary>How the plan uses a hardware device; null: software only.</summary>
    public HardwareUse? Hardware { get; init; }
}

/// <summary>JobSpec + probed input → typed command steps. Pure: no I/O.</summary>
public static class JobPlanner
{
    /// <summary>Share of progress given to a loudness measurement pass (decoding audio only: quick).</summary>
    public const double LoudnessPassWeight = 0.2;

    /// <summary>Share of progress given to the analysis pass of a two-pass encode.</summary>
    public const double FirstPassWeight = 0.4;

    public static JobPlan Plan(ConvertSpec spec, MediaInfo? input, string inputFile, string outputFile, Func<string, bool> hasEncoder) =>
        Plan(spec, input, new PlanContext(inputFile, outputFile, hasEncoder));

    /// <summary>
    /// Plans the runs. With <paramref name="input"/> null (the probe still running; only allowed when
    /// <see cref="RequiresProbe"/> is false) every requested stream is mapped as optional and the expected duration
    /// is unknown; <see cref="StreamChecks.CheckStreams"/> runs once it is known.
    /// </summary>
    public static JobPlan Plan(ConvertSpec spec, MediaInfo? input, PlanContext context)
    {
        var outputs = spec.AllOutputs;
        if (context.ExtraOutputFiles.Count != outputs.Count - 1)
        {
            throw new ArgumentException("One workspace file per extra output is needed.", nameof(context));
        }

        if (input is not null)
        {
            StreamChecks.CheckStreams(spec, input);
        }
        else if (RequiresProbe(spec))
        {
            throw new PlanningException("This job needs the probed input to be planned.");
        }

        var upscale = UpscalePlanner.Split(spec, input, context);
        if (upscale is not null)
        {
            // The encoder sees the spec without the upscale (and the filters that ran before it), video from stdin.
            (spec, context) = (upscale.Value.Remaining, context with { Hardware = null });
        }

        var trim = spec.Operations.OfType<TrimOperation>().LastOrDefault();
        var expected = input is null ? null : ExpectedDuration(spec, input, context.ConcatInputs);
        var join = JoinStep(spec, input, context);
        var chain = FilterChain.Build(spec, input is null ? null : ExpectedDuration(JoinedSeconds(input, context.ConcatInputs), trim), join is null ? input?.FirstAudio?.SampleRate : 48000, context);
        var hardware = HardwareUse.For(context.Hardware, spec, input, join is not null || chain.Video.Any(s => s is IOverlayStep));
        bool WantVideo(OutputSpec o) => o.Video is not null && (input is null || input.FirstVideo is not null);
        bool WantAudio(OutputSpec o) => o.Audio is not null && (input is null || input.FirstAudio is not null);
        if (join is not null && outputs.Any(WantAudio) && context.ConcatInputs.Any(i => i.FirstAudio is null))
        {
            throw new PlanningException("Every joined input needs an audio stream (or drop the audio with remove_audio).");
        }

        if (join is not null && outputs.Any(WantVideo) && context.ConcatInputs.Any(i => i.FirstVideo is null))
        {
            throw new PlanningException("Every joined input needs a video stream when the output has video.");
        }
        foreach (var output in outputs)
        {
            if (WantVideo(output) && output.Video!.Codec == "copy" && chain.Video.Count > 0)
            {
                throw new PlanningException("Video operations need re-encoding; the video codec cannot be 'copy'.");
            }

            if (WantAudio(output) && output.Audio!.Codec == "copy" && chain.Audio.Count > 0)
            {
                throw new PlanningException("Audio operations need re-encoding; the audio codec cannot be 'copy'.");
            }
        }

        var normalize = spec.Operations.OfType<NormalizeOperation>().LastOrDefault(n => n.TwoPass);
        var measure = outputs.Any(WantAudio) && normalize is not null;
        if (measure && context.Loudness is null)
        {
            // Measure what reaches loudnorm: the audio operations before it, over the same span of the input.
            var before = FilterChain.Build(spec with { Operations = [.. spec.Operations.TakeWhile(o => o is not NormalizeOperation)] }, null, null, context);
            var measurement = Base(spec, context.InputFile, NullOutput(context), before.SpeedFactor, join)
                .With(new StreamMapStep(false, true));
            foreach (var step in before.Audio)
            {
                measurement.With(step);
            }

            measurement.With(new LoudnormStep(normalize!, null, PrintJson: true)).With(new MuxerStep("null"));
            return new JobPlan([new PlannedPass("analyzing", LoudnessPassWeight, measurement, MeasuresLoudness: true)], expected);
        }

        // Two-pass is a single-output feature (the mapper refuses it with several outputs).
        var video = WantVideo(spec.Output) ? spec.Output.Video! : null;
        var twoPass = outputs.Count == 1 && video is { TwoPass: true } && video.Codec != "copy";
        var passLog = Path.Combine(Path.GetDirectoryName(context.OutputFile) ?? ".", "ffpass");
        var passes = new List<PlannedPass>();
        if (twoPass)
        {
            var first = Base(spec, context.InputFile, NullOutput(context), chain.SpeedFactor, join, hardware).With(new StreamMapStep(true, false));
            // The analysis pass sees what the encode will (the same bit depth for HDR kept HDR), or x265's stats do not match.
            var (analysed, hdr) = HdrPassThrough.Apply(video!, input, spec.Operations);
            AddVideo(first, chain, analysed, context, new VideoPass(1, passLog, hardware, outputs.Count, spec.Output.Format, hdr is null ? null : context.HdrMetadata, context.FineCrf));
            first.With(new MuxerStep("null"));
            passes.Add(new PlannedPass("analyzing", FirstPassWeight, first));
        }

        var commands = outputs.Select((output, i) =>
        {
            var container = FormatCatalog.FindContainer(output.Format)
                ?? throw new PlanningException($"Unknown output format '{output.Format}'.");
            var (wantVideo, wantAudio) = (WantVideo(output), WantAudio(output));
            var soft = wantVideo ? spec.Operations.OfType<SubtitlesOperation>().LastOrDefault(o => o.Mode == SubtitleMode.Soft) : null;
            var command = Base(spec, context.InputFile, i == 0 ? context.OutputFile : context.ExtraOutputFiles[i - 1], chain.SpeedFactor, join, hardware)
                .With(new StreamMapStep(wantVideo, wantAudio) { KeepSubtitles = soft is not null, VideoSource = upscale is null ? "0:V:0?" : $"{(soft is null ? 1 : 2)}:v:0", AudioSource = spec.AudioTrack is { } track ? $"0:a:{track}" : "0:a:0?" });
            if (soft is not null)
            {
                var file = context.ResolveFile(soft.File);
                var codec = container.Name == "mkv" && Path.GetExtension(file) is ".ass" or ".ssa"
                    ? "ass"
                    : FormatCatalog.SoftSubtitleCodecs.GetValueOrDefault(container.Name) ?? throw new PlanningException($"'{container.Name}' cannot carry a subtitle track; burn the subtitles in instead.");
                command.With(new SubtitleTrackStep(file, spec.Operations.OfType<TrimOperation>().LastOrDefault()?.Start ?? 0, codec, soft.Language));
            }

            if (upscale?.Stage is { } stage)
            {
                command.With(new UpscaledVideoInputStep(stage.OutputWidth, stage.OutputHeight, stage.Fps));
            }

            if (wantVideo)
            {
                var (video, hdr) = HdrPassThrough.Apply(output.Video!, input, spec.Operations);
                AddVideo(command, chain, video, context, new VideoPass(twoPass ? 2 : null, passLog, hardware, outputs.Count, container.Name, hdr is null ? null : context.HdrMetadata, i == 0 ? context.FineCrf : null));
                if (hdr is not null)
                {
                    command.With(hdr);
                }
            }

            if (wantAudio)
            {
                foreach (var step in chain.Audio)
                {
                    command.With(step);
                }

                var audio = output.Audio!;
                var encoder = PickEncoder(audio.Codec, FormatCatalog.AudioEncoders, context, container.Name);
                if (AudioLayoutStep.For(encoder) is { } layouts)
                {
                    command.With(layouts);
                }

                command.With(new AudioEncoderStep(encoder, ParseBitrate(audio.Bitrate), audio.Channels, audio.SampleRate ?? (encoder == "copy" ? null : container.AudioSampleRate)));
            }

            return command.With(new MuxerStep(container.Muxer) { Options = container.MuxerOptions });
        }).ToList();
        passes.Add(new PlannedPass(upscale is null ? "processing" : "upscaling", twoPass ? 1 - FirstPassWeight : 1, commands[0]) { ExtraOutputs = commands[1..], Upscale = upscale?.Stage });
        if (measure)
        {
            // Continuation after the measurement pass: the remaining runs share what is left of the progress bar.
            passes = [.. passes.Select(p => p with { Weight = p.Weight * (1 - LoudnessPassWeight) })];
        }

        return new JobPlan(passes, expected) { Hardware = hardware };
    }

    /// <summary>
    /// True when the plan depends on the probe (a fade out timed from the end, an overlay graph, a measurement
    /// pass), so the runner probes before starting ffmpeg instead of beside it.
    /// </summary>
    public static bool RequiresProbe(ConvertSpec spec) => RequiresProbe(spec, hardware: false);

    /// <summary>As <see cref="RequiresProbe(JobSpec)"/>; a run that may use a device also probes first (decoding on it depends on the input's codec).</summary>
    public static bool RequiresProbe(ConvertSpec spec, bool hardware) =>
        (hardware && spec.AllOutputs.Any(o => o.Video is { Codec: not "copy" }))
        || spec.Output.Video is { TwoPass: true } or { TargetVmaf: not null }
        || HdrPassThrough.Applies(spec)
        || spec.Operations.Any(o => o is WatermarkOperation or ConcatOperation or UpscaleOperation
            or FadeOperation { Direction: FadeDirection.Out, Start: null }
            or NormalizeOperation { TwoPass: true });

    /// <summary>The output duration for a spec, given the probed input (trim first, then speed changes).</summary>
    public static double? ExpectedDuration(ConvertSpec spec, MediaInfo input) => ExpectedDuration(spec, input, []);

    /// <summary>The output duration with joined files: their lengths add up before the trim and speed changes.</summary>
    public static double? ExpectedDuration(ConvertSpec spec, MediaInfo input, IReadOnlyList<MediaInfo> joined) =>
        ExpectedDuration(JoinedSeconds(input, joined), spec.Operations.OfType<TrimOperation>().LastOrDefault()) / SpeedFactor(spec);

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

    /// <summary>The product of every speed change (output time = input time ÷ factor).</summary>
    public static double SpeedFactor(ConvertSpec spec) => spec.Operations.OfType<SpeedOperation>().Aggregate(1.0, (f, s) => f * s.Factor);

    /// <summary>
    /// Joined inputs, then the seek and duration; the duration is in output time, so a speed change divides it. After
    /// a join the seek applies to the joined timeline, so it moves to the output side.
    /// </summary>
    private static FfmpegCommand Base(ConvertSpec spec, string inputFile, string outputFile, double speed, ConcatStep? join, HardwareUse? hardware = null)
    {
        var command = FfmpegCommand.For(inputFile, outputFile);
        if (hardware is not null)
        {
            command.With(new HardwareInputStep(hardware));
        }

        if (join is not null)
        {
            command.With(join);
        }

        if (spec.Operations.OfType<TrimOperation>().LastOrDefault() is { } trim)
        {
            command.With(new TrimStep(trim.Start, trim.Duration / speed) { SeekOnOutput = join is not null });
        }

        return command;
    }

    /// <summary>The join of a concat operation, sized and timed like the job's input.</summary>
    private static ConcatStep? JoinStep(ConvertSpec spec, MediaInfo? input, PlanContext context)
    {
        if (spec.Operations.OfType<ConcatOperation>().FirstOrDefault() is not { } concat)
        {
            return null;
        }

        if (input is null || context.ConcatInputs.Count != concat.Inputs.Count)
        {
            throw new ArgumentException("A join needs the probes of the job's input and of every joined file.", nameof(context));
        }

        var video = input.FirstVideo;
        return new ConcatStep([.. concat.Inputs.Select(context.ResolveFile)], video?.Width ?? 0, video?.Height ?? 0, video?.FrameRate is > 0 ? video.FrameRate.Value : 25);
    }

    /// <summary>The length of the input with every joined file after it (null when one is unknown).</summary>
    public static double? JoinedSeconds(MediaInfo input, IReadOnlyList<MediaInfo> joined) =>
        joined.Aggregate(input.DurationSeconds, (total, next) => total + next.DurationSeconds);

    /// <summary>Which pass of a two-pass encode (null: single pass), and the device the job uses (null: software).</summary>
    private sealed record VideoPass(int? Pass, string PassLog, HardwareUse? Hardware, int Outputs, string? Container, HdrMetadata? Hdr = null, double? FineCrf = null);

    private static void AddVideo(FfmpegCommand command, FilterChain chain, VideoSpec video, PlanContext context, VideoPass how)
    {
        var copy = video.Codec == "copy";
        var steps = new List<ICommandStep>();
        if (!copy)
        {
            steps.AddRange(chain.Video);
            if (video.Width is not null || video.Height is not null)
            {
                steps.Add(new FitScaleStep(video.Width, video.Height, ScaleFit.Contain, AllowUpscale: false));
            }

            if (video.Codec == "gif")
            {
                // After the frame rate change: no palette work for frames that are dropped anyway.
                if (video.Fps is { } gifFps)
                {
                    steps.Add(new FpsFilterStep(gifFps));
                }

                steps.Add(new GifPaletteStep());
            }
        }

        var hardware = copy ? null : how.Hardware;
        var deviceEncoder = hardware is null ? null : HardwareUse.EncoderOn(hardware.Device, video, how.Outputs);
        var onDevice = false;
        if (hardware is not null)
        {
            steps = [.. hardware.Rewrite(steps, deviceEncoder is not null)];
            onDevice = hardware.FramesOnDeviceAtEncoder(steps, deviceEncoder is not null);
        }

        foreach (var step in steps)
        {
            command.With(step);
        }

        command.With(new VideoEncoderStep(deviceEncoder ?? PickEncoder(video.Codec, FormatCatalog.VideoEncoders, context, how.Container), video.Preset, video.Crf, ParseBitrate(video.Bitrate))
        {
            MaxRateBps = ParseBitrate(video.MaxRate),
            BufferSizeBps = ParseBitrate(video.BufferSize),
            Tune = video.Tune,
            Profile = video.Profile,
            Level = video.Level,
            PixelFormat = video.PixelFormat,
            Gop = video.Gop,
            FineCrf = how.FineCrf,
            KeyframeSeconds = video.KeyframeSeconds,
            Pass = how.Pass,
            PassLogPrefix = how.Pass is null ? null : how.PassLog,
            Gpu = deviceEncoder is not null && hardware!.Device.Vendor == HardwareVendor.Nvidia && !onDevice ? hardware.Device.Node : null,
            Hdr = deviceEncoder is null ? how.Hdr : null,
        });
        if (video.Fps is { } fps && !copy && video.Codec != "gif")
        {
            command.With(new FrameRateStep(fps));
        }
    }

    /// <summary>Analysis passes write nothing: the null muxer never opens its file.</summary>
    private static string NullOutput(PlanContext context) => Path.Combine(Path.GetDirectoryName(context.OutputFile) ?? ".", "pass.null");

    /// <summary>The codec's encoder for the container (<see cref="PlanContext.EncoderFor"/>), else its first encoder this ffmpeg has.</summary>
    private static string PickEncoder(string codec, IReadOnlyDictionary<string, string[]> table, PlanContext context, string? container)
    {
        if (codec == "copy")
        {
            return "copy";
        }

        var candidates = table.GetValueOrDefault(codec) ?? throw new PlanningException($"Unknown codec '{codec}'.");
        return (container is null ? null : context.EncoderFor?.Invoke(container, codec))
            ?? candidates.FirstOrDefault(context.HasEncoder)
            ?? throw new PlanningException($"This ffmpeg has no encoder for '{codec}' (tried {string.Join(", ", candidates)}).");
    }

    private static long? ParseBitrate(string? text) => Bitrate.TryParse(text, out var bps) ? bps : null;
}
