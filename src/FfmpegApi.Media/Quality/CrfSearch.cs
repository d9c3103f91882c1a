namespace FfmpegApi.Media.Quality;

/// <summary>
/// The CRF scale of an encoder for the search: its bounds, where to start, the step it takes (x264/x265 accept
/// fractional values), and a guess of VMAF points lost per CRF step up, used until two trials give the real slope.
/// </summary>
public sealed record CrfScale(double Min, double Max, double Start, double Step, double SlopeGuess);

/// <summary>One trial: a CRF and the VMAF its samples scored against the source.</summary>
public sealed record CrfTrial(double Crf, double Vmaf);

/// <summary>A part of the (trimmed) input encoded as a sample: start and length in seconds of input time.</summary>
public sealed record SampleWindow(double Start, double Duration);

/// <summary>
/// The search for the CRF that meets a VMAF target. VMAF falls as CRF rises and is close to linear over a few steps,
/// so each next trial interpolates between the trials that bracket the target (or extrapolates with the measured slope,
/// or the guess after one trial). Pure functions: the worker runs the trials.
/// </summary>
public static class CrfSearch
{
    /// <summary>The codecs a quality target works with (a CRF mode in their software encoders).</summary>
    public static CrfScale? ScaleFor(string codec) => codec switch
    {
        "h264" => new CrfScale(8, 45, 23, 0.5, 1.6),
        "h265" => new CrfScale(8, 45, 26, 0.5, 1.6),
        "vp9" => new CrfScale(10, 60, 34, 1, 0.9),
        "av1" => new CrfScale(10, 60, 35, 1, 0.9),
        _ => null,
    };

    /// <summary>
    /// The next CRF to try, or null when the search is done: a trial within <paramref name="tolerance"/> of the target,
    /// the bracket narrowed to one step, or the scale's end reached in the direction needed.
    /// </summary>
    public static double? Next(IReadOnlyList<CrfTrial> trials, double target, CrfScale scale, double tolerance)
    {
        if (trials.Count == 0)
        {
            return scale.Start;
        }

        if (trials.Any(t => Math.Abs(t.Vmaf - target) <= tolerance))
        {
            return null;
        }

        var next = Round(Estimate(trials, target, scale), scale);
        return trials.Any(t => Math.Abs(t.Crf - next) < scale.Step / 2) ? null : next;
    }

    /// <summary>
    /// The CRF to encode with: the trial closest to the target when one is within tolerance, else the interpolation
    /// between the bracketing trials (or the best extrapolation inside the scale), rounded to the encoder's step.
    /// </summary>
    public static double Choose(IReadOnlyList<CrfTrial> trials, double target, CrfScale scale, double tolerance)
    {
        ArgumentOutOfRangeException.ThrowIfZero(trials.Count);
        var closest = trials.MinBy(t => Math.Abs(t.Vmaf - target))!;
        return Math.Abs(closest.Vmaf - target) <= tolerance ? closest.Crf : Round(Estimate(trials, target, scale), scale);
    }

    /// <summary>
    /// Up to <paramref name="count"/> windows of <paramref name="seconds"/> spread evenly over <paramref name="duration"/>,
    /// starting on frame boundaries; a short input is one window over all of it. A start is the frame's time rounded
    /// down to the millisecond (seeks are written in milliseconds): the seek then lands on exactly that frame.
    /// </summary>
    public static IReadOnlyList<SampleWindow> Windows(double duration, int count, double seconds, double fps)
    {
        var frame = 1 / (fps > 0 ? fps : 25);
        var length = Math.Max(frame, Math.Round(seconds / frame) * frame);
        if (duration <= count * length * 1.5)
        {
            return [new SampleWindow(0, duration)];
        }

        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var centre = (i + 0.5) / count * duration;
            var first = Math.Round(Math.Clamp(centre - (length / 2), 0, duration - length) / frame);
            return new SampleWindow(Math.Floor(first * frame * 1000) / 1000, Math.Round(length, 6));
        })];
    }

    /// <summary>Where the line through the trials crosses the target (VMAF falling with CRF).</summary>
    private static double Estimate(IReadOnlyList<CrfTrial> trials, double target, CrfScale scale)
    {
        var sorted = trials.OrderBy(t => t.Crf).ToList();
        var above = sorted.Where(t => t.Vmaf >= target).MaxBy(t => t.Crf);
        var below = sorted.Where(t => t.Vmaf < target).MinBy(t => t.Crf);
        if (above is not null && below is not null && above.Crf < below.Crf)
        {
            var fraction = (above.Vmaf - target) / Math.Max(1e-6, above.Vmaf - below.Vmaf);
            return above.Crf + (fraction * (below.Crf - above.Crf));
        }

        // Every trial on one side: go on from the nearest with the slope the trials show (or the guess).
        var nearest = above ?? below!;
        var slope = scale.SlopeGuess;
        if (sorted.Count >= 2)
        {
            var (a, b) = (sorted[0], sorted[^1]);
            var measured = (a.Vmaf - b.Vmaf) / Math.Max(1e-6, b.Crf - a.Crf);
            slope = Math.Clamp(measured, 0.2, 6);
        }

        return nearest.Crf + ((nearest.Vmaf - target) / slope);
    }

    private static double Round(double crf, CrfScale scale) => Math.Clamp(Math.Round(crf / scale.Step) * scale.Step, scale.Min, scale.Max);
}
