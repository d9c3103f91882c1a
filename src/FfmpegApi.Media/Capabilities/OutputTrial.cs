using System.Globalization;
using System.Text.RegularExpressions;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Capabilities;

/// <summary>
/// Asks the installed ffmpeg which codec goes in which container, instead of a hand table. One ffmpeg run encodes a
/// fifth of a second of test picture (a second of tone) with every encoder of <see cref="FormatCatalog"/> the build has (with
/// the arguments jobs use) and writes each (container, encoder) pair through the <c>tee</c> muxer to its own file
/// (<c>onfail=ignore</c>: a pair the muxer refuses drops out alone). A second run opens every written file with the
/// demuxer whitelist of job inputs and keeps the pairs that read back with the container's own demuxer (the one that
/// reads its default pair) and a stream of the codec written: some muxers write what they cannot carry (raw AC-3
/// with FLAC packets, MPEG-TS with VP9 as private data, WMV with ProRes as "none").
/// </summary>
/// <remarks>
/// Encoders write their headers out of band (<c>+global_header</c>) when ffmpeg sees a muxer that wants it (mp4, mkv,
/// flv), in band otherwise (MPEG-TS, MPEG-PS, MXF). The tee muxer cannot ask per slave, so the trial runs both ways and
/// a pair counts when it works in either (<paramref name="known"/> carries the first run's answer into the second).
/// Pure: builds argv and parses stderr; <c>OutputTrialRunner</c> runs it once per ffmpeg identity.
/// </remarks>
public sealed partial class OutputTrial
{
    /// <summary>Seconds of test picture per video encoder: five frames at 25 fps.</summary>
    private const string VideoSeconds = "0.2";

    /// <summary>Seconds of tone per audio encoder: a second, as CAF with FLAC fails only past a few packets (and audio is cheap).</summary>
    private const string AudioSeconds = "1";

    private static readonly string[] MapVideo = ["-map", "0:v"];
    private static readonly string[] MapAudio = ["-map", "1:a"];

    private readonly List<TrialEncoder> _video;
    private readonly List<TrialEncoder> _audio;
    private readonly bool _globalHeader;

    private OutputTrial(string directory, List<TrialEncoder> video, List<TrialEncoder> audio, bool globalHeader, OutputSupport? known)
    {
        _video = video;
        _audio = audio;
        _globalHeader = globalHeader;
        var suffix = globalHeader ? "-gh" : string.Empty;
        Slaves = [.. PlanSlaves(directory, suffix).Where(s => s.Reference || known is null || !Found(known, s))];
    }

    /// <summary>Every file the first run writes: one per pair tried, and each container's reference pair.</summary>
    public IReadOnlyList<TrialSlave> Slaves { get; }

    /// <summary>
    /// The trial of the build's encoders and muxers into <paramref name="directory"/>, headers out of band or not;
    /// <paramref name="skip"/>: encoders that failed to open; <paramref name="known"/>: pairs already found (not tried again).
    /// </summary>
    public static OutputTrial Plan(FfmpegCapabilities capabilities, string directory, bool globalHeader, IReadOnlySet<string>? skip = null, OutputSupport? known = null)
    {
        List<TrialEncoder> Encoders(IReadOnlyDictionary<string, string[]> table) =>
            [.. table.Values.SelectMany(c => c).Distinct()
                .Where(e => capabilities.HasEncoder(e) && skip?.Contains(e) != true)
                .Select(e => new TrialEncoder(e, CodecOf(capabilities, e)))];
        return new OutputTrial(directory, Encoders(FormatCatalog.VideoEncoders), Encoders(FormatCatalog.AudioEncoders), globalHeader, known);
    }

    /// <summary>The first run's argv: test sources, one mapped stream per encoder, one tee output.</summary>
    public IReadOnlyList<string> EncodeArguments()
    {
        var args = new List<string>
        {
            "-hide_banner", "-nostdin", "-nostats", "-loglevel", "warning",
            "-f", "lavfi", "-i", $"testsrc2=s=320x240:r=25:d={VideoSeconds}",
            "-f", "lavfi", "-i", $"aevalsrc=sin(440*2*PI*t)|sin(660*2*PI*t):s=48000:d={AudioSeconds}",
        };
        args.AddRange(_video.SelectMany(_ => MapVideo));
        args.AddRange(_audio.SelectMany(_ => MapAudio));
        for (var i = 0; i < _video.Count; i++)
        {
            args.AddRange(PerStream(new VideoEncoderStep(_video[i].Name, "ultrafast").OutputArguments, "v", i));
        }

        for (var i = 0; i < _audio.Count; i++)
        {
            args.AddRange(PerStream(new AudioEncoderStep(_audio[i].Name).OutputArguments, "a", i));
        }

        if (_globalHeader)
        {
            args.AddRange(["-flags", "+global_header"]);
        }

        args.AddRange(["-f", "tee", string.Join('|', Slaves.Select(s => s.Spec))]);
        return args;
    }

    /// <summary>The encoder whose stream failed to open in the first run (the whole run stops then), or null.</summary>
    public string? FailedEncoder(IEnumerable<string> stderr)
    {
        foreach (var line in stderr)
        {
            if (OutputStreamError().Match(line) is { Success: true } m)
            {
                var index = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                return index < _video.Count ? _video[index].Name : index - _video.Count < _audio.Count ? _audio[index - _video.Count].Name : null;
            }
        }

        return null;
    }

    /// <summary>The slaves the tee muxer reported as failed (refused at the header or a packet).</summary>
    public static IReadOnlySet<int> FailedSlaves(IEnumerable<string> stderr) =>
        stderr.Select(l => SlaveFailed().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToHashSet();

    /// <summary>The read-back run's argv: every file as an input and no output (ffmpeg prints each input, then stops).</summary>
    public static IReadOnlyList<string> ReadBackArguments(IEnumerable<string> files, string inputFormats) =>
        ["-hide_banner", "-nostdin", .. files.SelectMany(f => new[] { "-format_whitelist", inputFormats, "-i", "file:" + f })];

    /// <summary>
    /// What ffmpeg printed per input of a read-back run, in input order (an input that failed to open ends the list).
    /// A decoder that could not open while ffmpeg read an input's stream parameters (WMA in NUT or MOV: "block_align is
    /// not set") is logged before that input's dump, and counts against it.
    /// </summary>
    public static IReadOnlyList<TrialReadBack> ParseReadBack(IEnumerable<string> stderr)
    {
        var inputs = new List<TrialReadBack>();
        var problems = new List<string>();
        foreach (var line in stderr)
        {
            if (InputLine().Match(line) is { Success: true } input)
            {
                inputs.Add(new TrialReadBack(input.Groups[1].Value, new List<string>()) { Problems = [.. problems] });
                problems.Clear();
            }
            else if (ReadProblem().IsMatch(line))
            {
                problems.Add(line);
            }
            else if (inputs.Count > 0 && StreamLine().Match(line) is { Success: true } s)
            {
                ((List<string>)inputs[^1].Streams).Add(s.Groups[1].Value);
            }
        }

        return inputs;
    }

    /// <summary>
    /// The pairs found, added to <paramref name="known"/>: the file was written and read back by the demuxer that reads
    /// the container's reference pair, with a stream of the codec written. <paramref name="readBack"/> is by file.
    /// </summary>
    public OutputSupport Result(IReadOnlySet<int> failed, IReadOnlyDictionary<string, TrialReadBack> readBack, OutputSupport? known = null)
    {
        var found = FormatCatalog.Containers.Keys.ToDictionary(
            c => c,
            c => known?.Containers.GetValueOrDefault(c) is { } k ? (Encoders: k.Encoders.ToHashSet(StringComparer.Ordinal), k.AudioAlone) : (Encoders: new HashSet<string>(StringComparer.Ordinal), AudioAlone: false),
            StringComparer.Ordinal);
        var demuxers = Slaves.Where((s, i) => s.Reference && !failed.Contains(i) && readBack.ContainsKey(s.File)).ToDictionary(s => s.Container, s => readBack[s.File].Format, StringComparer.Ordinal);
        for (var i = 0; i < Slaves.Count; i++)
        {
            var slave = Slaves[i];
            // An animated image need not decode here: ffmpeg 5.1 writes animated WebP but decodes only still WebP.
            if (failed.Contains(i) || !readBack.TryGetValue(slave.File, out var back) || (back.Problems.Count > 0 && !slave.Format.Image)
                || demuxers.GetValueOrDefault(slave.Container) != back.Format || !back.Streams.Any(s => ReadsBackAs(s, slave)))
            {
                continue;
            }

            if (slave.Alone)
            {
                found[slave.Container] = (found[slave.Container].Encoders, true);
            }
            else
            {
                found[slave.Container].Encoders.Add(slave.Encoder.Name);
            }
        }

        return new OutputSupport(found.ToDictionary(c => c.Key, c => new ContainerSupport([.. c.Value.Encoders.Order(StringComparer.Ordinal)], c.Value.AudioAlone), StringComparer.Ordinal));
    }

    private static bool Found(OutputSupport known, TrialSlave slave) =>
        slave.Alone ? known.Containers.GetValueOrDefault(slave.Container)?.AudioAlone == true : known.Accepts(slave.Container, slave.Encoder.Name);

    /// <summary>
    /// The stream is of the codec written; audio also has a rate and channels (raw AC-3 "reads" anything as "ac3, 0
    /// channels"). Video needs no size: this ffmpeg reads animated WebP as "webp, none".
    /// </summary>
    private static bool ReadsBackAs(string stream, TrialSlave slave)
    {
        var prefix = (slave.Audio ? "Audio: " : "Video: ") + slave.Encoder.Codec;
        if (!stream.StartsWith(prefix, StringComparison.Ordinal) || (stream.Length > prefix.Length && stream[prefix.Length] is not (' ' or ',')))
        {
            return false;
        }

        return !slave.Audio || (AudioShape().IsMatch(stream) && !stream.Contains(" 0 channels", StringComparison.Ordinal));
    }

    private IEnumerable<TrialSlave> PlanSlaves(string directory, string suffix)
    {
        foreach (var container in FormatCatalog.Containers.Values)
        {
            TrialSlave Slave(TrialEncoder encoder, string select, bool audio, bool alone = false) =>
                new(container, encoder, audio, alone, Path.Combine(directory, $"{container.Name}-{encoder.Name}{(alone ? "-alone" : string.Empty)}{suffix}.{container.Extension}"), select);

            var defaultVideo = container.IsAudioOnly ? null : FirstOf(container.DefaultVideoCodec!, FormatCatalog.VideoEncoders, _video);
            var defaultAudio = container.DefaultAudioCodec is null ? null : FirstOf(container.DefaultAudioCodec, FormatCatalog.AudioEncoders, _audio);
            if (!container.IsAudioOnly)
            {
                for (var v = 0; v < _video.Count; v++)
                {
                    yield return Slave(_video[v], v.ToString(CultureInfo.InvariantCulture), audio: false) with { Reference = v == defaultVideo };
                }
            }

            if (container.DefaultAudioCodec is null)
            {
                continue;
            }

            for (var a = 0; a < _audio.Count; a++)
            {
                var audioIndex = (_video.Count + a).ToString(CultureInfo.InvariantCulture);
                yield return Slave(_audio[a], defaultVideo is { } dv ? $"{dv},{audioIndex}" : audioIndex, audio: true) with { Reference = container.IsAudioOnly && a == defaultAudio };
            }

            if (!container.IsAudioOnly && defaultAudio is { } da)
            {
                yield return Slave(_audio[da], (_video.Count + da).ToString(CultureInfo.InvariantCulture), audio: true, alone: true);
            }
        }
    }

    private static int? FirstOf(string codec, IReadOnlyDictionary<string, string[]> table, List<TrialEncoder> encoders)
    {
        var index = encoders.FindIndex(e => table[codec].Contains(e.Name));
        return index < 0 ? null : index;
    }

    /// <summary>Options of one output stream (<c>-c:v X -crf 23</c>) renamed for stream <paramref name="index"/> of a many-stream output.</summary>
    private static IEnumerable<string> PerStream(IEnumerable<string> options, string kind, int index)
    {
        var list = options.ToList();
        for (var i = 0; i + 1 < list.Count; i += 2)
        {
            var option = list[i];
            yield return option.Contains(':', StringComparison.Ordinal) ? $"{option}:{index}" : $"{option}:{kind}:{index}";
            yield return list[i + 1];
        }
    }

    /// <summary>The codec an encoder writes, as ffmpeg names it when reading: from "(codec hevc)" in its description, else its own name.</summary>
    public static string CodecOf(FfmpegCapabilities capabilities, string encoder) =>
        capabilities.Encoders.FirstOrDefault(e => e.Name == encoder) is { } entry && CodecNote().Match(entry.Description) is { Success: true } m ? m.Groups[1].Value : encoder;

    [GeneratedRegex(@"\(codec (\S+)\)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex CodecNote();

    [GeneratedRegex(@"Slave muxer #(\d+) failed", RegexOptions.CultureInvariant)]
    private static partial Regex SlaveFailed();

    [GeneratedRegex(@"output stream #?0:(\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex OutputStreamError();

    [GeneratedRegex(@"^Input #\d+, (\S+), from ", RegexOptions.CultureInvariant)]
    private static partial Regex InputLine();

    [GeneratedRegex(@"^\s+Stream #\d+:\d+\S*: ((?:Video|Audio): .*)$", RegexOptions.CultureInvariant)]
    private static partial Regex StreamLine();

    [GeneratedRegex(@"Could not find codec parameters|Failed to open codec", RegexOptions.CultureInvariant)]
    private static partial Regex ReadProblem();

    [GeneratedRegex(@", \d+ Hz, ", RegexOptions.CultureInvariant)]
    private static partial Regex AudioShape();
}

/// <summary>An encoder in the trial and the codec name ffmpeg prints for what it writes.</summary>
public sealed record TrialEncoder(string Name, string Codec);

/// <summary>What ffmpeg printed for one read-back input: the demuxer that opened it and its stream lines ("Video: h264 …").</summary>
public sealed record TrialReadBack(string Format, IReadOnlyList<string> Streams)
{
    /// <summary>Errors ffmpeg logged while reading the input's stream parameters (a decoder that cannot open).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}

/// <summary>
/// One tee output of the trial: a container, the encoder under test (with the container's default video when the
/// encoder is an audio one, as real files have both), and the file it writes. <see cref="Alone"/>: the default audio
/// without video, to learn whether the container may hold audio only. <see cref="Reference"/>: the container's
/// default pair, whose read-back names the container's own demuxer.
/// </summary>
public sealed record TrialSlave(ContainerFormat Format, TrialEncoder Encoder, bool Audio, bool Alone, string File, string Select)
{
    public bool Reference { get; init; }

    public string Container => Format.Name;

    /// <summary>The tee slave: muxer, its options, the streams it takes; a refusal drops this slave only.</summary>
    public string Spec
    {
        get
        {
            var options = string.Concat(Enumerable.Range(0, Format.MuxerOptions.Count / 2).Select(i => $":{Format.MuxerOptions[2 * i].TrimStart('-')}={Format.MuxerOptions[(2 * i) + 1]}"));
            return $"[f={Format.Muxer}{options}:select=\\'{Select}\\':onfail=ignore]{File}";
        }
    }
}
