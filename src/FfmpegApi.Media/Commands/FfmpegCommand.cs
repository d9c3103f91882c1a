using FfmpegApi.Media.Capabilities;

namespace FfmpegApi.Media.Commands;

/// <summary>
/// An ffmpeg invocation as data. <see cref="ToArguments"/> yields the argv (never a shell string): fixed safety
/// and progress flags, input options, the input, stream maps, one video filter chain, output options, output.
/// </summary>
public sealed class FfmpegCommand
{
    /// <summary>Protocols ffmpeg may open for local jobs; remote protocols are added only for vetted URLs.</summary>
    public const string LocalProtocols = "file,pipe";

    /// <summary>
    /// Protocols for an input the worker itself turned into a URL (a presigned object URL for <c>input_access:
    /// stream</c>); a client's URLs are never passed to ffmpeg (they are downloaded through the SSRF guard).
    /// </summary>
    public const string NetworkProtocols = "http,https,tcp,tls";

    /// <summary>True for an http(s) URL input (then read with <see cref="NetworkProtocols"/>, without the <c>file:</c> prefix).</summary>
    public static bool IsUrl(string input) =>
        (input.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || input.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        && Uri.TryCreate(input, UriKind.Absolute, out _);

    private readonly List<ICommandStep> _steps = [];

    private FfmpegCommand(string input, string output)
    {
        Input = input;
        Output = output;
    }

    public string Input { get; }

    public string Output { get; }

    public IReadOnlyList<ICommandStep> Steps => _steps;

    public static FfmpegCommand For(string input, string output) => new(input, output);

    /// <summary>
    /// A command whose output is a muxer pattern (HLS <c>%v</c> playlists, a DASH manifest) that must not get the
    /// <c>file:</c> prefix: the muxer creates directories from it. It must be an absolute path we built, so it can
    /// never be read as a protocol.
    /// </summary>
    public static FfmpegCommand ForPattern(string input, string absoluteOutputPattern) =>
        Path.IsPathRooted(absoluteOutputPattern)
            ? new(input, absoluteOutputPattern) { OutputIsPattern = true }
            : throw new ArgumentException("The output pattern must be an absolute path.", nameof(absoluteOutputPattern));

    /// <summary>
    /// A command writing its only output to stdout (<c>pipe:1</c>), e.g. raw frames for the worker to process. Progress
    /// then cannot use stdout, so this command reports none (the consuming run does).
    /// </summary>
    public static FfmpegCommand ForRawPipe(string input) => new(input, "pipe:1") { OutputIsPipe = true };

    private bool OutputIsPattern { get; init; }

    private bool OutputIsPipe { get; init; }

    public FfmpegCommand With(ICommandStep step)
    {
        _steps.Add(step);
        return this;
    }

    /// <summary>
    /// The argv. <paramref name="inputFormats"/> is every media input's <c>-format_whitelist</c>: the demuxers of the
    /// machine that runs it (<see cref="Capabilities.FfmpegCapabilities.InputFormatWhitelist"/>); null renders
    /// <see cref="DemuxerPolicy.Fallback"/>, as golden files do.
    /// </summary>
    public IReadOnlyList<string> ToArguments(string? inputFormats = null) => [.. InputSection(inputFormats ?? DemuxerPolicy.Fallback), .. OutputSection(string.Empty)];

    /// <summary>An argv for a job log: the long list of input formats is written as <c>$INPUT_FORMATS</c> (docs/media.md).</summary>
    public static string ForLog(IReadOnlyList<string> args, string inputFormats) =>
        string.Join(' ', args.Select(a => a.StartsWith(inputFormats, StringComparison.Ordinal) ? "$INPUT_FORMATS" + a[inputFormats.Length..] : a));

    /// <summary>
    /// One ffmpeg run writing several outputs: the inputs are read and decoded once and every output gets its own
    /// filters and encoders. The commands must share their inputs (same input, trim and overlay images), which holds
    /// for the outputs of one job since they share its operations.
    /// </summary>
    public static IReadOnlyList<string> Merge(IReadOnlyList<FfmpegCommand> commands, string? inputFormats = null)
    {
        if (commands.Count == 1)
        {
            return commands[0].ToArguments(inputFormats);
        }

        // An audio-only output opens no overlay images, so its inputs are a prefix of a video output's: the longest
        // input list serves all, and input numbers stay the same for every output.
        var sections = commands.Select(c => c.InputSection(inputFormats ?? DemuxerPolicy.Fallback)).ToList();
        var inputs = sections.MaxBy(s => s.Count)!;
        if (sections.Any(s => !inputs.Take(s.Count).SequenceEqual(s)))
        {
            throw new ArgumentException("Merged outputs must share their inputs.", nameof(commands));
        }

        return [.. inputs, .. commands.SelectMany((c, i) => c.OutputSection(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))];
    }

    private List<string> InputSection(string inputFormats)
    {
        List<string> args = OutputIsPipe ? ["-hide_banner", "-nostdin", "-nostats"] : ["-hide_banner", "-nostdin", "-y", "-nostats", "-progress", "pipe:1"];
        foreach (var step in _steps.OfType<IInputOptionStep>())
        {
            args.AddRange(step.InputArguments);
        }

        AddInput(args, Input, inputFormats);
        foreach (var file in _steps.OfType<ConcatStep>().SelectMany(c => c.Files))
        {
            AddInput(args, file, inputFormats);
        }

        foreach (var extra in _steps.OfType<IExtraInputStep>())
        {
            args.AddRange(extra.ExtraInputOptions);
            args.AddRange(["-protocol_whitelist", extra.IsPipe ? "pipe" : LocalProtocols, "-format_whitelist", extra.FormatWhitelist ?? DemuxerPolicy.ForFile(inputFormats, extra.ExtraInput), "-i", extra.IsPipe ? "pipe:0" : AsFileUrl(extra.ExtraInput)]);
        }

        var overlays = _steps.OfType<IOverlayStep>().ToList();
        foreach (var overlay in overlays)
        {
            // A still image: image2 with pattern expansion off reads exactly this one file (no %d sequences, no
            // globs), whatever its extension; the main input keeps the media-only whitelist.
            args.AddRange(["-protocol_whitelist", LocalProtocols, "-format_whitelist", "image2", "-f", "image2", "-pattern_type", "none", "-i", AsFileUrl(overlay.OverlayInput)]);
        }

        return args;
    }

    /// <summary>The options and file of this command's output; <paramref name="label"/> keeps graph outputs unique when merged.</summary>
    private List<string> OutputSection(string label)
    {
        var args = new List<string>();
        var overlays = _steps.OfType<IOverlayStep>().ToList();
        var outputSteps = _steps.OfType<IOutputOptionStep>().ToList();
        var map = outputSteps.OfType<StreamMapStep>().FirstOrDefault();
        var concat = _steps.OfType<ConcatStep>().FirstOrDefault();
        if (concat is not null && map is not null)
        {
            // Joined inputs: the whole graph (join, then the video and audio chains) ends in [vout]/[aout].
            var graph = new List<string> { concat.Graph(map.Video, map.Audio) };
            if (map.Video)
            {
                graph.Add(ComplexVideoGraph($"vout{label}", "cv"));
                map = map with { VideoSource = $"[vout{label}]" };
            }

            if (map.Audio)
            {
                var chain = _steps.OfType<IAudioFilterStep>().Select(s => s.Filter).ToList();
                graph.Add($"[ca]{(chain.Count > 0 ? string.Join(',', chain) : "anull")}[aout{label}]");
                map = map with { AudioSource = $"[aout{label}]" };
            }

            args.AddRange(["-filter_complex", string.Join(';', graph)]);
        }
        else if (overlays.Count > 0 && map is { Video: true })
        {
            // An overlay needs a second input, so the video chain becomes a labelled graph ending in [vout].
            args.AddRange(["-filter_complex", ComplexVideoGraph($"vout{label}", map.VideoSource.TrimEnd('?'))]);
            map = map with { VideoSource = $"[vout{label}]" };
        }
        else
        {
            var filters = _steps.OfType<IVideoFilterStep>().Select(s => s.Filter).ToList();
            if (map is not null)
            {
                args.AddRange(map.OutputArguments);
                map = null;
            }

            if (filters.Count > 0)
            {
                args.AddRange(["-vf", string.Join(',', filters)]);
            }
        }

        if (map is not null)
        {
            args.AddRange(map.OutputArguments);
        }

        var audioFilters = _steps.OfType<IAudioFilterStep>().Select(s => s.Filter).ToList();
        if (audioFilters.Count > 0 && concat is null)
        {
            args.AddRange(["-af", string.Join(',', audioFilters)]);
        }

        foreach (var step in outputSteps.Where(s => s is not StreamMapStep))
        {
            args.AddRange(step.OutputArguments);
        }

        args.Add(OutputIsPattern || OutputIsPipe ? Output : AsFileUrl(Output));
        return args;
    }

    private static void AddInput(List<string> args, string file, string inputFormats) =>
        args.AddRange([.. InputOptions(file, inputFormats), "-i", InputUrl(file)]);

    /// <summary>
    /// What may open a media input, for ffmpeg and ffprobe alike: its protocols (network ones only for a URL the worker
    /// made) and its demuxers (<paramref name="inputFormats"/>, as <see cref="DemuxerPolicy.ForFile"/> adjusts it).
    /// </summary>
    public static IReadOnlyList<string> InputOptions(string file, string inputFormats) =>
        ["-protocol_whitelist", IsUrl(file) ? NetworkProtocols : LocalProtocols, "-format_whitelist", DemuxerPolicy.ForFile(inputFormats, file)];

    /// <summary>A media input as ffmpeg and ffprobe open it: a URL as is, a path as a <c>file:</c> URL.</summary>
    public static string InputUrl(string file) => IsUrl(file) ? file : AsFileUrl(file);

    /// <summary>Simple filters are grouped into chains between overlays: [0:V:0]a,b[v0];…overlay…[v1];[v1]c[vout].</summary>
    private string ComplexVideoGraph(string outputLabel, string source = "0:V:0")
    {
        var parts = new List<string>();
        var pending = new List<string>();
        var current = source;
        var label = 0;
        var inputIndex = 1 + _steps.OfType<ConcatStep>().Sum(c => c.Files.Count) + _steps.OfType<IExtraInputStep>().Count();
        foreach (var step in _steps)
        {
            if (step is IVideoFilterStep simple)
            {
                pending.Add(simple.Filter);
            }
            else if (step is IOverlayStep overlay)
            {
                if (pending.Count > 0)
                {
                    parts.Add($"[{current}]{string.Join(',', pending)}[v{label}]");
                    current = $"v{label++}";
                    pending.Clear();
                }

                parts.Add(overlay.Graph(current, inputIndex++, $"v{label}"));
                current = $"v{label++}";
            }
        }

        parts.Add($"[{current}]{(pending.Count > 0 ? string.Join(',', pending) : "null")}[{outputLabel}]");
        return string.Join(';', parts);
    }

    /// <summary>
    /// Prefixing <c>file:</c> stops ffmpeg from reading a crafted name (e.g. "concat:…" or "http:…") as a protocol.
    /// </summary>
    private static string AsFileUrl(string path) => path.StartsWith("file:", StringComparison.Ordinal) ? path : "file:" + path;
}
