namespace FfmpegApi.Media.Progress;

/// <summary>Percent and ETA from ffmpeg's output time against the expected output duration.</summary>
public static class ProgressMath
{
    /// <summary>Percent in [0, 100], or null when the expected duration is unknown (never a fake 0).</summary>
    public static double? Percent(TimeSpan? outTime, double? expectedSeconds)
    {
        if (outTime is not { } t || expectedSeconds is not > 0)
        {
            return null;
        }

        return Math.Round(Math.Clamp(t.TotalSeconds / expectedSeconds.Value * 100, 0, 100), 2);
    }

    /// <summary>Seconds left at the current speed (speed is x realtime), or null when unknown.</summary>
    public static double? EtaSeconds(TimeSpan? outTime, double? expectedSeconds, double? speed)
    {
        if (outTime is not { } t || expectedSeconds is not > 0 || speed is not > 0)
        {
            return null;
        }

        var remaining = Math.Max(0, expectedSeconds.Value - t.TotalSeconds);
        return Math.Round(remaining / speed.Value, 1);
    }
}
