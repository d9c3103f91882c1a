using System.Globalization;
using System.Text.RegularExpressions;

namespace FfmpegApi.Media.Probe;

/// <summary>
/// What ffmpeg prints on stderr about its files before it starts (the <c>Input #n</c> and <c>Output #n</c> dumps of the
/// default log level), read as the facts ffprobe gives: container, duration, bit rate, and per stream the codec, size,
/// pixel format, sample aspect, rotation, frame rate, sample rate, channels and cover images. A run that reads its
/// input's facts here needs no ffprobe process beside it. Feed every stderr line in order (<see cref="Add"/>); a file
/// whose dump holds something this reader does not know is reported as unknown (null), never guessed.
/// </summary>
public sealed partial class FfmpegHeader
{
    private readonly Dictionary<int, Dump> _inputs = [];
    private readonly Dictionary<int, Dump> _outputs = [];
    private Dump? _open;
    private int? _openInput;

    /// <summary>Raised once an input's dump is complete (the next line that is not part of it arrived).</summary>
    public event Action<int, MediaInfo?>? InputRead;

    /// <summary>Reads one stderr line.</summary>
    public void Add(string line)
    {
        if (_open is not null && line.StartsWith(' '))
        {
            _open.Add(line);
            return;
        }

        Close();
        if (InputLine().Match(line) is { Success: true } input)
        {
            _open = new Dump(input.Groups["format"].Value);
            _openInput = int.Parse(input.Groups["n"].Value, CultureInfo.InvariantCulture);
            _inputs[_openInput.Value] = _open;
        }
        else if (OutputLine().Match(line) is { Success: true } output)
        {
            _open = new Dump(output.Groups["format"].Value);
            _openInput = null;
            _outputs[int.Parse(output.Groups["n"].Value, CultureInfo.InvariantCulture)] = _open;
        }
    }

    /// <summary>Input <paramref name="index"/> as ffmpeg described it; null when not (yet) printed or not fully understood.</summary>
    public MediaInfo? Input(int index) => _inputs.GetValueOrDefault(index)?.ToMediaInfo();

    /// <summary>Whether ffmpeg printed anything about input <paramref name="index"/> (it opened the file).</summary>
    public bool Opened(int index) => _inputs.ContainsKey(index);

    /// <summary>
    /// Output <paramref name="index"/>: its muxer and streams (no duration: ffmpeg prints the dump before it writes; see
    /// the final progress); null when not printed or not fully understood.
    /// </summary>
    public (string Muxer, IReadOnlyList<StreamInfo> Streams)? Output(int index) =>
        _outputs.GetValueOrDefault(index)?.ToMediaInfo() is { } info ? (info.FormatName, info.Streams) : null;

    /// <summary>How many output files ffmpeg described.</summary>
    public int OutputCount => _outputs.Count;

    /// <summary>Ends the dump being read (ffmpeg exited): an input whose dump was the last output is reported.</summary>
    public void Complete() => Close();

    private void Close()
    {
        var (done, index) = (_open, _openInput);
        (_open, _openInput) = (null, null);
        if (done is not null && index is { } input)
        {
            InputRead?.Invoke(input, done.ToMediaInfo());
        }
    }

    /// <summary>One file's dump: its header line's format, then its indented lines.</summary>
    private sealed class Dump(string format)
    {
        private readonly List<StreamInfo> _streams = [];
        private double? _duration;
        private long? _bitRate;
        private bool _understood = true;

        public void Add(string line)
        {
            if (DurationLine().Match(line) is { Success: true } d)
            {
                _duration = d.Groups["time"].Value == "N/A" ? null : TimeSpan.Parse(d.Groups["time"].Value, CultureInfo.InvariantCulture).TotalSeconds;
                _bitRate = long.TryParse(d.Groups["kbps"].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var kbps) ? kbps * 1000 : null;
            }
            else if (StreamLine().Match(line) is { Success: true } s)
            {
                var stream = FfmpegStreamLine.Parse(int.Parse(s.Groups["i"].Value, CultureInfo.InvariantCulture), s.Groups["type"].Value.ToLowerInvariant(), s.Groups["rest"].Value);
                if (stream is null)
                {
                    _understood = false;
                }
                else
                {
                    _streams.Add(stream);
                }
            }
            else if (RotationLine().Match(line) is { Success: true } r && _streams.Count > 0)
            {
                _streams[^1] = _streams[^1] with { Rotation = FfprobeParser.QuarterTurns(double.Parse(r.Groups["degrees"].Value, CultureInfo.InvariantCulture)) };
            }
        }

        public MediaInfo? ToMediaInfo() => _understood ? new MediaInfo(format, _duration, null, _bitRate, [.. _streams]) : null;
    }

    [GeneratedRegex(@"^Input #(?<n>\d+), (?<format>.+), from '.*':$")]
    private static partial Regex InputLine();

    [GeneratedRegex(@"^Output #(?<n>\d+), (?<format>[^,]+), to '.*':$")]
    private static partial Regex OutputLine();

    [GeneratedRegex(@"^  Duration: (?<time>N/A|\d+:\d\d:\d\d(\.\d+)?)(, start: [^,]+)?, bitrate: (?<kbps>N/A|\d+)")]
    private static partial Regex DurationLine();

    [GeneratedRegex(@"^\s+Stream #\d+:(?<i>\d+)(\[0x[0-9a-f]+\])?(\([^)]*\))?: (?<type>Video|Audio|Subtitle|Data|Attachment): (?<rest>.*)$")]
    private static partial Regex StreamLine();

    [GeneratedRegex(@"^\s+displaymatrix: rotation of (?<degrees>-?\d+(\.\d+)?) degrees")]
    private static partial Regex RotationLine();
}
