using FfmpegApi.Media.Commands.Filtergraph;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Commands;

/// <summary>
/// A job's operations as filter steps, in the order given: the video chain (with overlays) and the audio chain.
/// Tracks the running output duration so a fade out can be timed from the end after trims and speed changes.
/// </summary>
internal sealed record FilterChain(IReadOnlyList<ICommandStep> Video, IReadOnlyList<IAudioFilterStep> Audio, double SpeedFactor)
{
    public static FilterChain Build(ConvertSpec spec, double? trimmedSeconds, int? inputSampleRate, PlanContext context)
    {
        var video = new List<ICommandStep>();
        var audio = new List<IAudioFilterStep>();
        var duration = trimmedSeconds;
        var speed = 1.0;
        foreach (var operation in spec.Operations)
        {
            switch (operation)
            {
                case ScaleOperation s:
                    video.Add(new FitScaleStep(s.Width, s.Height, s.Fit, s.AllowUpscale));
                    break;
                case CropOperation c:
                    video.Add(new CropStep(c.Width, c.Height, c.X, c.Y));
                    break;
                case PadOperation p:
                    video.Add(new PadStep(p.Width, p.Height, p.Color, p.X, p.Y));
                    break;
                case RotateOperation r:
                    video.Add(new RotateStep(r.Angle));
                    break;
                case FlipOperation f:
                    video.Add(new FlipStep(f.Direction));
                    break;
                case FpsOperation f:
                    video.Add(new FpsFilterStep(f.Fps));
                    break;
                case SpeedOperation s:
                    video.Add(new VideoSpeedStep(s.Factor));
                    audio.Add(new AudioSpeedStep(s.Factor));
                    duration /= s.Factor;
                    speed *= s.Factor;
                    break;
                case WatermarkOperation w:
                    video.Add(new WatermarkStep(context.ResolveFile(w.Image), w.Position, w.Margin, w.Opacity, w.Scale));
                    break;
                case TextOperation t:
                    video.Add(new DrawTextStep(t.Text, t.Position, t.FontSize, t.Color, t.Box, t.Margin, t.Start, t.End));
                    break;
                case DenoiseOperation d:
                    video.Add(new DenoiseStep(d.Strength));
                    break;
                case SharpenOperation s:
                    video.Add(new SharpenStep(s.Amount));
                    break;
                case DeinterlaceOperation:
                    video.Add(new DeinterlaceStep());
                    break;
                case BlurOperation b:
                    video.Add(new BlurStep(b.Sigma));
                    break;
                case HueOperation h:
                    video.Add(new HueStep(h.Degrees, h.Saturation));
                    break;
                case StabilizeOperation st:
                    video.Add(new StabilizeStep(st.Strength));
                    break;
                case TonemapOperation t:
                    video.Add(new TonemapStep(t.Curve));
                    break;
                case ColorOperation c:
                    video.Add(new ColorStep(c.Brightness, c.Contrast, c.Saturation, c.Gamma));
                    break;
                case GrayscaleOperation:
                    video.Add(new GrayscaleStep());
                    break;
                case FadeOperation f:
                    var start = f.Start ?? (f.Direction == FadeDirection.In ? 0 : FadeOutStart(duration, f.Duration));
                    video.Add(new VideoFadeStep(f.Direction, start, f.Duration));
                    audio.Add(new AudioFadeStep(f.Direction, start, f.Duration));
                    break;
                case VolumeOperation v:
                    audio.Add(new VolumeStep(v.GainDb));
                    break;
                case SubtitlesOperation { Mode: SubtitleMode.Burn } sub:
                    // An input seek restarts timestamps at 0; after a join the seek is on the output and they are kept.
                    var offset = spec.Operations.Any(o => o is ConcatOperation) ? 0 : spec.Operations.OfType<TrimOperation>().LastOrDefault()?.Start ?? 0;
                    video.Add(new SubtitleBurnStep(context.ResolveFile(sub.File), offset));
                    break;
                case NormalizeOperation n:
                    audio.Add(new LoudnormStep(n, n.TwoPass ? context.Loudness : null) { ResampleTo = inputSampleRate ?? 48000 });
                    break;
            }
        }

        return new FilterChain(video, audio, speed);
    }

    private static double FadeOutStart(double? duration, double fade) => duration is { } d
        ? Math.Max(0, d - fade)
        : throw new PlanningException("A fade out needs an input with a known duration (or give 'start').");
}
