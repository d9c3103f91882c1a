using System.Globalization;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Commands;

/// <summary>
/// The decode side of an upscale pass: ffmpeg writes the source's frames (trimmed, filtered by the operations listed
/// before the upscale) to stdout as raw RGB at a constant rate; the worker runs the model on them and feeds the
/// result to the encoding ffmpeg's stdin (<see cref="UpscaledVideoInputStep"/>).
/// </summary>
public sealed record UpscaleStage(FfmpegCommand Decoder, int Width, int Height, double Fps, UpscaleOperation Operation)
{
    /// <summary>Bytes per pixel of the raw frames on both pipes (<c>rgb24</c>).</summary>
    public const int BytesPerPixel = 3;

    public int OutputWidth => Width * Operation.Scale;

    public int OutputHeight => Height * Operation.Scale;
}

/// <summary>Splits a spec with an <see cref="UpscaleOperation"/> into its decode stage and the spec the encoder runs.</summary>
public static class UpscalePlanner
{
    /// <summary>
    /// Operations that may come before an upscale: they keep the frame size and rate, so the raw frames' geometry is
    /// the input's. Everything else goes after it (it then works on the upscaled picture).
    /// </summary>
    public static bool MayPrecede(OperationSpec operation) =>
        operation is TrimOperation or DenoiseOperation or SharpenOperation or DeinterlaceOperation or ColorOperation or GrayscaleOperation
            or BlurOperation or HueOperation or StabilizeOperation
        || !OperationStreams.NeedsVideo(operation) && operation is not (ConcatOperation or SpeedOperation or FadeOperation);

    /// <summary>Why this spec cannot be upscaled as asked (null: it can, or it has no upscale).</summary>
    public static string? Problem(ConvertSpec spec)
    {
        var operations = spec.Operations;
        var index = operations.ToList().FindIndex(o => o is UpscaleOperation);
        if (index < 0)
        {
            return null;
        }

        if (operations.Count(o => o is UpscaleOperation) > 1)
        {
            return "At most one upscale operation per job.";
        }

        if (operations.Take(index).FirstOrDefault(o => !MayPrecede(o)) is { } early)
        {
            return $"'{OperationStreams.WireName(early)}' changes the frame size, rate or timing and must come after the upscale.";
        }

        if (operations.Any(o => o is ConcatOperation))
        {
            return "An upscale cannot be combined with concat.";
        }

        if (spec.AllOutputs.All(o => o.Video is null))
        {
            return "An upscale needs an output with video.";
        }

        if (spec.AllOutputs.Any(o => o.Video is { Codec: "copy" }))
        {
            return "An upscaled video must be re-encoded; the video codec cannot be 'copy'.";
        }

        return spec.Output.Video is { TwoPass: true } ? "An upscale cannot be combined with a two-pass encode." : null;
    }

    /// <summary>
    /// The decoder command and the spec left for the encoder (without the upscale and the filters that ran before it),
    /// or null when the spec has no upscale.
    /// </summary>
    public static (UpscaleStage Stage, ConvertSpec Remaining)? Split(ConvertSpec spec, MediaInfo? input, PlanContext context)
    {
        if (spec.Operations.OfType<UpscaleOperation>().FirstOrDefault() is not { } upscale)
        {
            return null;
        }

        if (Problem(spec) is { } problem)
        {
            throw new PlanningException(problem);
        }

        if (input?.FirstVideo is not { Width: > 0 and var width, Height: > 0 and var height } video)
        {
            throw new PlanningException("An upscale needs an input with a video stream of known size.");
        }

        if (!Resolution.IsValidSide(width * upscale.Scale) || !Resolution.IsValidSide(height * upscale.Scale))
        {
            throw new PlanningException($"{width}x{height} upscaled {upscale.Scale}x would exceed {Resolution.MaxSide} pixels per side.");
        }

        var index = spec.Operations.ToList().IndexOf(upscale);
        var before = spec.Operations.Take(index).Where(OperationStreams.NeedsVideo).ToList();
        var fps = video.FrameRate is > 0 and <= 240 ? video.FrameRate.Value : 25;
        var decoder = FfmpegCommand.ForRawPipe(context.InputFile);
        if (spec.Operations.OfType<TrimOperation>().LastOrDefault() is { } trim)
        {
            // Input time: the speed changes come after the upscale.
            decoder.With(new TrimStep(trim.Start, trim.Duration));
        }

        decoder.With(new StreamMapStep(true, false));
        foreach (var step in FilterChain.Build(spec with { Operations = before }, null, null, context).Video)
        {
            decoder.With(step);
        }

        decoder.With(new RawVideoOutputStep(fps));
        var rest = spec with { Operations = [.. spec.Operations.Where(o => o is not UpscaleOperation && !before.Contains(o))] };
        return (new UpscaleStage(decoder, width, height, fps, upscale), rest);
    }
}

/// <summary>The decoder's output: constant-rate raw RGB frames on stdout.</summary>
public sealed record RawVideoOutputStep(double Fps) : IOutputOptionStep
{
    public IEnumerable<string> OutputArguments => ["-r", Rate(Fps), "-f", "rawvideo", "-pix_fmt", "rgb24"];

    /// <summary>A frame rate precise enough that NTSC rates (30000/1001) do not drift over hours.</summary>
    internal static string Rate(double fps) => fps.ToString("0.######", CultureInfo.InvariantCulture);
}

/// <summary>The encoder's upscaled video: raw RGB frames of a known size and rate on stdin (an extra input).</summary>
public sealed record UpscaledVideoInputStep(int Width, int Height, double Fps) : IExtraInputStep
{
    public string ExtraInput => "pipe:0";

    public bool IsPipe => true;

    public IEnumerable<string> ExtraInputOptions =>
        ["-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", string.Create(CultureInfo.InvariantCulture, $"{Width}x{Height}"), "-framerate", RawVideoOutputStep.Rate(Fps)];

    public string FormatWhitelist => "rawvideo";
}
