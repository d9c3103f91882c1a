using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Endpoints.Capabilities;

/// <summary>The <c>formats.output</c> member of <c>GET /capabilities</c>: the catalog's names, filtered by what this ffmpeg writes.</summary>
internal static class OutputFormats
{
    public static OutputFormatsView View(FfmpegCapabilities caps)
    {
        var containers = FormatCatalog.Containers.Values
            .Where(c => caps.Muxers.Count == 0 || caps.Muxers.Contains(c.Muxer))
            .Select(c => (Format: c, Video: caps.VideoCodecs(c), Audio: caps.AudioCodecs(c)))
            .Where(c => c.Video.Count + c.Audio.Count > 0)
            .ToList();
        IReadOnlyList<OutputCodecView> Codecs(IReadOnlyDictionary<string, string[]> table, string type) =>
            [.. table.Where(e => e.Value.Any(caps.HasEncoder)).Select(e => new OutputCodecView(e.Key, type, [.. FormatCatalog.CodecAliasesOf(e.Key)], [.. e.Value.Where(caps.HasEncoder)]))];
        var video = Codecs(FormatCatalog.VideoEncoders, "video");
        var audio = Codecs(FormatCatalog.AudioEncoders, "audio");
        return new OutputFormatsView([.. containers.Select(c => c.Format.Name)], [.. video.Select(v => v.Name), "copy"], [.. audio.Select(a => a.Name), "copy"])
        {
            Tried = caps.Outputs is not null,
            Formats = [.. containers.Select(c => new OutputContainerView(
                c.Format.Name,
                [.. FormatCatalog.AliasesOf(c.Format.Name)],
                c.Format.Extension,
                c.Format.Muxer,
                c.Format.IsAudioOnly,
                c.Format.IsAudioOnly || caps.Outputs?.AudioAlone(c.Format) != false,
                c.Format.DefaultVideoCodec,
                c.Format.DefaultAudioCodec,
                c.Video,
                c.Audio))],
            Codecs = [.. video, .. audio],
        };
    }
}
