using System.Text.RegularExpressions;

namespace FfmpegApi.Media.Capabilities;

/// <summary>Parsers for <c>ffmpeg -version/-encoders/-decoders/-filters/-hwaccels/-formats</c>.</summary>
public static partial class CapabilitiesParser
{
    [GeneratedRegex(@"^ffmpeg version (\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex VersionLine();

    // " V....D libx264              libx264 H.264 / AVC ..."
    [GeneratedRegex(@"^\s(?<flags>[VAS][A-Z.]{5})\s+(?<name>\S+)\s+(?<desc>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex CodecLine();

    // " TSC scale             V->V       Scale the input video size ..."
    [GeneratedRegex(@"^\s(?<flags>[A-Z.]{3})\s+(?<name>\S+)\s+\S+->\S+\s", RegexOptions.CultureInvariant)]
    private static partial Regex FilterLine();

    // " DE mp4             MP4 (MPEG-4 Part 14)"; the name may be a comma list (demuxer aliases).
    [GeneratedRegex(@"^\s(?<d>[D ])(?<e>[E ])\s+(?<names>\S+)\s", RegexOptions.CultureInvariant)]
    private static partial Regex FormatLine();

    public static string ParseVersion(string text)
    {
        var match = VersionLine().Match(text);
        return match.Success ? match.Groups[1].Value : "unknown";
    }

    public static IReadOnlyList<CodecEntry> ParseCodecs(string text) =>
        AfterSeparator(text)
            .Select(l => CodecLine().Match(l))
            .Where(m => m.Success)
            .Select(m => new CodecEntry(m.Groups["name"].Value, TypeOf(m.Groups["flags"].Value[0]), m.Groups["desc"].Value.Trim()))
            .ToList();

    public static IReadOnlyList<string> ParseFilters(string text) =>
        Lines(text).Select(l => FilterLine().Match(l)).Where(m => m.Success).Select(m => m.Groups["name"].Value).ToList();

    public static IReadOnlyList<string> ParseHwAccels(string text) =>
        Lines(text)
            .SkipWhile(l => !l.StartsWith("Hardware acceleration methods", StringComparison.Ordinal))
            .Skip(1)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0)
            .ToList();

    public static (IReadOnlyList<string> Muxers, IReadOnlyList<string> Demuxers) ParseFormats(string text)
    {
        var muxers = new List<string>();
        var demuxers = new List<string>();
        foreach (var match in AfterSeparator(text).Select(l => FormatLine().Match(l)).Where(m => m.Success))
        {
            var names = match.Groups["names"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries);
            if (match.Groups["d"].Value == "D")
            {
                demuxers.AddRange(names);
            }

            if (match.Groups["e"].Value == "E")
            {
                muxers.AddRange(names);
            }
        }

        return (muxers.Distinct().ToList(), demuxers.Distinct().ToList());
    }

    private static string TypeOf(char flag) => flag switch
    {
        'V' => "video",
        'A' => "audio",
        _ => "subtitle",
    };

    private static IEnumerable<string> Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r'));

    private static IEnumerable<string> AfterSeparator(string text) =>
        Lines(text).SkipWhile(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal)).Skip(1);
}
