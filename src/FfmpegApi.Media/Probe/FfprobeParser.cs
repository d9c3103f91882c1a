using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Commands;

namespace FfmpegApi.Media.Probe;

/// <summary>Parses <c>ffprobe -print_format json -show_format -show_streams</c> output.</summary>
public static class FfprobeParser
{
    /// <summary>ffprobe's argv for <paramref name="path"/>; <paramref name="inputFormats"/>: the demuxers it may use (null: the fallback list).</summary>
    public static IReadOnlyList<string> Arguments(string path, string? inputFormats = null) =>
        ["-v", "error", .. FfmpegCommand.InputOptions(path, inputFormats ?? DemuxerPolicy.Fallback), "-print_format", "json", "-show_format", "-show_streams", FfmpegCommand.InputUrl(path)];

    /// <summary>Returns null when the text is not ffprobe JSON or has no format section (not a media file).</summary>
    public static MediaInfo? Parse(string json)
    {
        FfprobeOutput? output;
        try
        {
            output = JsonSerializer.Deserialize(json, FfprobeJsonContext.Default.FfprobeOutput);
        }
        catch (JsonException)
        {
            return null;
        }

        if (output?.Format is not { } format)
        {
            return null;
        }

        var streams = (output.Streams ?? []).Select(s => new StreamInfo(
            s.Index,
            s.CodecType ?? "unknown",
            s.CodecName,
            s.Width,
            s.Height,
            ParseRate(s.AvgFrameRate) ?? ParseRate(s.RFrameRate),
            ParseInt(s.SampleRate),
            s.Channels,
            ParseDouble(s.Duration),
            s.Disposition?.AttachedPic == 1)
        {
            PixelFormat = s.PixFmt,
            SampleAspectRatio = ParseRatio(s.SampleAspectRatio),
            Rotation = Rotation(s),
            ColorTransfer = s.ColorTransfer,
            ColorPrimaries = s.ColorPrimaries,
            ColorSpace = s.ColorSpace,
        }).ToList();

        var duration = ParseDouble(format.Duration) ?? streams.Max(s => s.DurationSeconds);
        return new MediaInfo(format.FormatName ?? "unknown", duration, ParseLong(format.Size), ParseLong(format.BitRate), streams);
    }

    internal static double? ParseRate(string? rate)
    {
        if (string.IsNullOrEmpty(rate))
        {
            return null;
        }

        var parts = rate.Split('/');
        if (parts.Length == 2 && ParseDouble(parts[0]) is { } n && ParseDouble(parts[1]) is { } d && d > 0 && n > 0)
        {
            return Math.Round(n / d, 3);
        }

        return parts.Length == 1 ? ParseDouble(rate) : null;
    }

    /// <summary>"16:15" → 16/15; "0:1", "N/A" and 1:1 → null (square pixels).</summary>
    internal static Ratio? ParseRatio(string? ratio)
    {
        var parts = ratio?.Split(':');
        return parts is [var n, var d] && ParseInt(n) is > 0 and var num && ParseInt(d) is > 0 and var den && num != den ? Ratio.Reduced(num, den) : null;
    }

    /// <summary>The display rotation in degrees clockwise, 0/90/180/270 (the display matrix, or the old rotate tag).</summary>
    private static int Rotation(FfprobeStream stream)
    {
        var degrees = stream.SideDataList?.Select(d => d.Rotation).FirstOrDefault(r => r is not null)
            ?? ParseDouble(stream.Tags?.Rotate) ?? 0;
        return QuarterTurns(degrees);
    }

    /// <summary>A display matrix's rotation (either sign, any number of turns) as 0, 90, 180 or 270.</summary>
    internal static int QuarterTurns(double degrees)
    {
        var quarter = (int)Math.Round(degrees / 90.0);
        return ((quarter % 4) + 4) % 4 * 90;
    }

    private static double? ParseDouble(string? s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;

    private static long? ParseLong(string? s) =>
        long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static int? ParseInt(string? s) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
}

internal sealed record FfprobeOutput(List<FfprobeStream>? Streams, FfprobeFormat? Format);

internal sealed record FfprobeFormat(string? FormatName, string? Duration, string? Size, string? BitRate);

internal sealed record FfprobeStream(
    int Index,
    string? CodecType,
    string? CodecName,
    int? Width,
    int? Height,
    string? AvgFrameRate,
    string? RFrameRate,
    string? SampleRate,
    int? Channels,
    string? Duration,
    FfprobeDisposition? Disposition,
    string? PixFmt = null,
    string? SampleAspectRatio = null,
    List<FfprobeSideData>? SideDataList = null,
    FfprobeTags? Tags = null,
    string? ColorTransfer = null,
    string? ColorPrimaries = null,
    string? ColorSpace = null);

internal sealed record FfprobeSideData(double? Rotation);

internal sealed record FfprobeTags(string? Rotate);

internal sealed record FfprobeDisposition(int AttachedPic);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(FfprobeOutput))]
internal sealed partial class FfprobeJsonContext : JsonSerializerContext;
