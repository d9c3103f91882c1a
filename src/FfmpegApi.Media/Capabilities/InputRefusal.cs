using System.Text.RegularExpressions;

namespace FfmpegApi.Media.Capabilities;

/// <summary>
/// Recognises ffmpeg/ffprobe refusing an input's format by the whitelist. libavformat detects the format from the
/// file's bytes and name, then checks the whitelist before the demuxer reads anything, and logs the refusal under
/// the detected demuxer's name: <c>[hls @ 0x55…] Format not on whitelist '…'</c>.
/// </summary>
public static partial class InputRefusal
{
    [GeneratedRegex(@"^\[(?<name>[A-Za-z0-9_,]+) @ 0x[0-9a-fA-F]+\] Format not on whitelist", RegexOptions.CultureInvariant)]
    private static partial Regex RefusedLine();

    /// <summary>The detected demuxer a whitelist refused in <paramref name="stderr"/> (its full name, e.g. <c>video4linux2,v4l2</c>), or null.</summary>
    public static string? Demuxer(IEnumerable<string> stderr) =>
        stderr.Select(l => RefusedLine().Match(l)).FirstOrDefault(m => m.Success)?.Groups["name"].Value;

    /// <summary>A sentence naming the refused format and why, or null when <paramref name="stderr"/> shows no refusal.</summary>
    public static string? Find(IEnumerable<string> stderr, IEnumerable<string> devices) =>
        Demuxer(stderr) is { } name ? Describe(name, devices) : null;

    /// <summary>The predicate of the refusal sentence (its subject, e.g. "Input", is the caller's).</summary>
    public static string Describe(string demuxer, IEnumerable<string> devices) =>
        $"{Predicate}'{demuxer}', which inputs may not use: {DemuxerPolicy.Reason(demuxer, devices)}.";

    /// <summary>
    /// Why <paramref name="subject"/> (e.g. "Input" or a path) cannot be used, from a probe's error: a refused format is
    /// named as such, anything else is "not a readable media file".
    /// </summary>
    public static string Explain(string subject, string? error) =>
        error is not null && error.StartsWith(Predicate, StringComparison.Ordinal)
            ? $"{subject} {error}"
            : $"{subject} is not a readable media file: {error ?? "unknown error"}";

    private const string Predicate = "is in the format ";
}
