using System.Globalization;

namespace FfmpegApi.Media.Progress;

/// <summary>
/// Accumulates the <c>key=value</c> lines of <c>ffmpeg -progress pipe:1</c>; every <c>progress=continue|end</c>
/// line closes a block and yields a <see cref="ProgressUpdate"/>. Values may be "N/A" (or negative at start).
/// </summary>
public sealed class ProgressParser
{
    private readonly Dictionary<string, string> _block = new(StringComparer.Ordinal);

    /// <summary>Feeds one line; returns the finished update when the line ends a block, otherwise null.</summary>
    public ProgressUpdate? Feed(string line)
    {
        var eq = line.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            return null;
        }

        var key = line[..eq].Trim();
        var value = line[(eq + 1)..].Trim();
        if (key != "progress")
        {
            _block[key] = value;
            return null;
        }

        var update = new ProgressUpdate(
            Long("frame"),
            Double("fps"),
            Double("bitrate", "kbits/s"),
            Long("total_size"),
            OutTime(),
            Double("speed", "x"),
            value == "end");
        _block.Clear();
        return update;
    }

    private TimeSpan? OutTime()
    {
        // out_time_ms is microseconds too (a long-standing ffmpeg misnomer); prefer out_time_us when present.
        var micros = Long("out_time_us") ?? Long("out_time_ms");
        return micros is >= 0 ? TimeSpan.FromMicroseconds(micros.Value) : null;
    }

    private long? Long(string key) =>
        _block.TryGetValue(key, out var s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private double? Double(string key, string? suffix = null)
    {
        if (!_block.TryGetValue(key, out var s))
        {
            return null;
        }

        if (suffix is not null && s.EndsWith(suffix, StringComparison.Ordinal))
        {
            s = s[..^suffix.Length];
        }

        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= 0 ? v : null;
    }
}
