using System.Globalization;
using System.Text.RegularExpressions;

namespace FfmpegApi.Media.Process;

/// <summary>Why an ffmpeg run failed: a code programs can branch on, ffmpeg's own reason, and whether a retry may help.</summary>
public sealed record FfmpegDiagnosis(string Code, string Reason, bool Transient = false);

/// <summary>
/// Reads a failed run's stderr for its cause. ffmpeg ends with a bare "Conversion failed!"; the reason is in the error
/// lines before it (an encoder refusing a layout, a muxer refusing a codec, a decoder error). Those lines become the
/// message (log-context addresses dropped, at most <see cref="MaxReasonLength"/> characters), and known causes get
/// their own code (docs/errors.md).
/// </summary>
public static partial class FfmpegDiagnostics
{
    /// <summary>The generic code, when no known cause matches.</summary>
    public const string Failed = "FFMPEG_FAILED";

    public const string UnsupportedCodecForContainer = "UNSUPPORTED_CODEC_FOR_CONTAINER";

    public const string NoMatchingStream = "NO_MATCHING_STREAM";

    public const string DecodeError = "DECODE_ERROR";

    public const string DiskFull = "DISK_FULL";

    public const int MaxReasonLength = 400;

    /// <summary>Every code <see cref="Diagnose"/> may give (a failed ffmpeg run, whatever the cause).</summary>
    public static IReadOnlyList<string> Codes { get; } = [Failed, UnsupportedCodecForContainer, NoMatchingStream, DecodeError, DiskFull];

    // "[libopus @ 0x55faf52d6040] Invalid channel layout …": the context's name stays, its address goes.
    [GeneratedRegex(@"^\[(?<name>[^\]@]+?) @ 0x[0-9a-fA-F]+\] ", RegexOptions.CultureInvariant)]
    private static partial Regex Context();

    [GeneratedRegex(@"error|invalid|unsupported|not supported|could not|cannot|can't|unable|failed|no such|not found|conflicting|incorrect|does not|doesn't|too (many|large|small)|not allowed|not implemented|mismatch|no space|permission denied|matches no streams", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Troubled();

    [GeneratedRegex(@"Could not find tag for codec (?<codec>\S+) in stream #(?<stream>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex CodecTag();

    [GeneratedRegex(@"Error while decoding stream #(?<stream>\d+:\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex Decoding();

    /// <param name="stderr">The run's stderr tail.</param>
    /// <param name="exitCode">Its exit code, named when stderr says nothing.</param>
    /// <param name="atSeconds">The output time progress last reported, to place a decoder error (null: unknown).</param>
    public static FfmpegDiagnosis Diagnose(IReadOnlyList<string> stderr, int exitCode, double? atSeconds = null)
    {
        var lines = stderr.Select(l => Context().Replace(l.Trim(), m => $"[{m.Groups["name"].Value}] ")).Where(l => l.Length > 0).ToList();
        var reason = Reason(lines) ?? $"exit code {exitCode.ToString(CultureInfo.InvariantCulture)}";
        if (lines.Any(l => l.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)))
        {
            return new(DiskFull, "the disk is full (No space left on device).", Transient: true);
        }

        if (lines.Select(l => CodecTag().Match(l)).FirstOrDefault(m => m.Success) is { } tag)
        {
            return new(UnsupportedCodecForContainer, $"the output container cannot hold {tag.Groups["codec"].Value} (stream #{tag.Groups["stream"].Value}): {reason}");
        }

        if (lines.Any(l => l.Contains("does not contain any stream", StringComparison.Ordinal) || l.Contains("matches no streams", StringComparison.Ordinal)))
        {
            return new(NoMatchingStream, $"the input has no stream this output needs: {reason}");
        }

        if (lines.Select(l => Decoding().Match(l)).LastOrDefault(m => m.Success) is { } decoding)
        {
            var at = atSeconds is { } s ? " at " + TimeSpan.FromSeconds(s).ToString(@"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture) : string.Empty;
            return new(DecodeError, $"the input could not be decoded (stream #{decoding.Groups["stream"].Value}{at}): {reason}");
        }

        return new(Failed, reason);
    }

    /// <summary>The error lines of a run (the last few, in order, without repeats), or its last line.</summary>
    private static string? Reason(List<string> lines)
    {
        var meaningful = lines.Where(l => l != "Conversion failed!" && !IsReport(l)).ToList();
        var troubled = meaningful.Where(l => Troubled().IsMatch(l)).Distinct(StringComparer.Ordinal).TakeLast(3).ToList();
        var text = troubled.Count > 0 ? string.Join(" / ", troubled) : meaningful.LastOrDefault();
        return text is null ? null : text.Length <= MaxReasonLength ? text : text[..(MaxReasonLength - 1)] + "…";
    }

    /// <summary>Informational lines ffmpeg prints at the default level (stream lists, metadata, statistics).</summary>
    private static bool IsReport(string line) =>
        line.StartsWith("Input #", StringComparison.Ordinal) || line.StartsWith("Output #", StringComparison.Ordinal)
        || line.StartsWith("Stream ", StringComparison.Ordinal) || line.StartsWith("Stream mapping", StringComparison.Ordinal)
        || line.StartsWith("Duration:", StringComparison.Ordinal) || line.StartsWith("Metadata:", StringComparison.Ordinal)
        || line.StartsWith("Side data:", StringComparison.Ordinal) || line.StartsWith("frame=", StringComparison.Ordinal)
        || line.StartsWith("size=", StringComparison.Ordinal) || line.StartsWith("video:", StringComparison.Ordinal)
        || line.StartsWith("encoder ", StringComparison.Ordinal) || line.StartsWith("Press [q]", StringComparison.Ordinal);
}
