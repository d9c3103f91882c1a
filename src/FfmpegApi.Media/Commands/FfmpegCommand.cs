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
    /// Demuxers an input may use. The protocol whitelist alone is not a sandbox: playlist-like demuxers (hls,
    /// concat/ffconcat, image2 patterns, tty, …) open further files through the allowed <c>file</c> protocol, so an
    /// .m3u8 inside a mount could read any file on the host. Only self-contained media formats are allowed.
    /// </summary>
    public const string SafeDemuxers =
        "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,flv,asf,mxf,ogg,mp3,wav,flac,aac,ac3,eac3,aiff,caf,w64,wv,amr,au,"
        + "h264,hevc,ivf,yuv4mpegpipe,gif,png_pipe,jpeg_pipe,webp_pipe,bmp_pipe";

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

    public FfmpegCommand With(ICommandStep step)
    {
        _steps.Add(step);
        return this;
    }

    public IReadOnlyList<string> ToArguments()
    {
        var args = new List<string> { "-hide_banner", "-nostdin", "-y", "-nostats", "-progress", "pipe:1" };
        foreach (var step in _steps.OfType<IInputOptionStep>())
        {
            args.AddRange(step.InputArguments);
        }

        args.AddRange(["-protocol_whitelist", LocalProtocols, "-format_whitelist", SafeDemuxers, "-i", AsFileUrl(Input)]);

        var filters = _steps.OfType<IVideoFilterStep>().Select(s => s.Filter).ToList();
        var outputSteps = _steps.OfType<IOutputOptionStep>().ToList();
        foreach (var step in outputSteps.OfType<StreamMapStep>())
        {
            args.AddRange(step.OutputArguments);
        }

        if (filters.Count > 0)
        {
            args.AddRange(["-vf", string.Join(',', filters)]);
        }

        foreach (var step in outputSteps.Where(s => s is not StreamMapStep))
        {
            args.AddRange(step.OutputArguments);
        }

        args.Add(AsFileUrl(Output));
        return args;
    }

    /// <summary>
    /// Prefixing <c>file:</c> stops ffmpeg from reading a crafted name (e.g. "concat:…" or "http:…") as a protocol.
    /// </summary>
    private static string AsFileUrl(string path) => path.StartsWith("file:", StringComparison.Ordinal) ? path : "file:" + path;
}
