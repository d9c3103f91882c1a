using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// A conversion's output as ffmpeg described writing it: its container and streams (its stderr) and its duration (its
/// final progress report), so publishing needs no ffprobe read-back (one process spawn, 110–150 ms here). Null, and read
/// back with ffprobe, for a pass that wrote several files (one progress time for all), a muxer whose files the catalog
/// does not know ffprobe's name for, or a description that was not fully understood.
/// </summary>
internal static class WrittenOutput
{
    public static MediaInfo? Of(FfmpegHeader? header, double? outTimeSeconds)
    {
        if (outTimeSeconds is not > 0 || header is not { OutputCount: 1 } || header.Output(0) is not { } written)
        {
            return null;
        }

        return FormatCatalog.ReadAs(written.Muxer) is { } container ? new MediaInfo(container, outTimeSeconds, null, null, written.Streams) : null;
    }
}
