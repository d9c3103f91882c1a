namespace FfmpegApi.Media.Specs;

/// <summary>
/// Containers and codecs the service accepts, with which codec may go in which container.
/// Friendly codec names (the original API's h264/h265/vp9/av1) map to ffmpeg encoders; encoder names are
/// accepted too and normalized to the friendly name.
/// </summary>
public static class FormatCatalog
{
    // Stryker disable all : a static table, pinned by TestData/golden/catalog-*.args; Stryker cannot activate mutants in static initializers
    public static IReadOnlyDictionary<string, ContainerFormat> Containers { get; } = new[]
    {
        new ContainerFormat("mp4", "mp4", "mp4", "h264", "aac", ["h264", "h265", "av1", "vp9", "mpeg4", "copy"], ["aac", "mp3", "opus", "flac", "copy"]),
        new ContainerFormat("mov", "mov", "mov", "h264", "aac", ["h264", "h265", "prores", "mpeg4", "copy"], ["aac", "pcm", "mp3", "copy"]),
        new ContainerFormat("mkv", "matroska", "mkv", "h264", "aac", ["h264", "h265", "vp9", "av1", "mpeg4", "prores", "copy"], ["aac", "opus", "mp3", "flac", "vorbis", "pcm", "copy"]),
        new ContainerFormat("webm", "webm", "webm", "vp9", "opus", ["vp9", "av1", "copy"], ["opus", "vorbis", "copy"]),
        new ContainerFormat("avi", "avi", "avi", "mpeg4", "mp3", ["mpeg4", "h264", "copy"], ["mp3", "pcm", "copy"]),
        new ContainerFormat("ts", "mpegts", "ts", "h264", "aac", ["h264", "h265", "copy"], ["aac", "mp3", "copy"]),
        new ContainerFormat("mp3", "mp3", "mp3", null, "mp3", [], ["mp3", "copy"]),
        new ContainerFormat("m4a", "ipod", "m4a", null, "aac", [], ["aac", "copy"]),
        new ContainerFormat("wav", "wav", "wav", null, "pcm", [], ["pcm"]),
        new ContainerFormat("flac", "flac", "flac", null, "flac", [], ["flac"]),
        new ContainerFormat("ogg", "ogg", "ogg", null, "vorbis", [], ["vorbis", "opus", "flac"]),
        new ContainerFormat("opus", "opus", "opus", null, "opus", [], ["opus"]),
        new ContainerFormat("gif", "gif", "gif", "gif", null, ["gif"], []),
        new ContainerFormat("webp", "webp", "webp", "webp", null, ["webp"], []),
    }.ToDictionary(c => c.Name, StringComparer.Ordinal);

    // Stryker disable all : static table, pinned by golden files (see Containers)
    private static readonly Dictionary<string, string> ContainerAliases = new(StringComparer.Ordinal)
    {
        ["matroska"] = "mkv",
        ["mpegts"] = "ts",
        ["m2ts"] = "ts",
        ["oga"] = "ogg",
        ["m4v"] = "mp4",
    };

    /// <summary>Friendly video codec → candidate encoders, preferred first.</summary>
    // Stryker disable all : static table, pinned by golden files (see Containers)
    public static IReadOnlyDictionary<string, string[]> VideoEncoders { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["h264"] = ["libx264"],
        ["h265"] = ["libx265"],
        ["vp9"] = ["libvpx-vp9"],
        ["av1"] = ["libsvtav1", "libaom-av1"],
        ["mpeg4"] = ["mpeg4"],
        ["prores"] = ["prores_ks"],
        ["gif"] = ["gif"],
        ["webp"] = ["libwebp_anim", "libwebp"],
    };

    // Stryker disable all : static table, pinned by golden files (see Containers)
    public static IReadOnlyDictionary<string, string[]> AudioEncoders { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["aac"] = ["aac"],
        ["opus"] = ["libopus"],
        ["mp3"] = ["libmp3lame"],
        ["flac"] = ["flac"],
        ["vorbis"] = ["libvorbis"],
        ["pcm"] = ["pcm_s16le"],
    };

    /// <summary>Sample rates an audio codec can encode (absent: any rate in the general bounds).</summary>
    // Stryker disable all : static table, pinned by golden files (see Containers)
    public static IReadOnlyDictionary<string, int[]> AudioSampleRates { get; } = new Dictionary<string, int[]>(StringComparer.Ordinal)
    {
        ["opus"] = [8000, 12000, 16000, 24000, 48000],
        ["mp3"] = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000],
        ["aac"] = [7350, 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000],
    };

    // Stryker disable all : static table, pinned by golden files (see Containers)
    private static readonly Dictionary<string, string> CodecAliases = new(StringComparer.Ordinal)
    {
        ["hevc"] = "h265",
        ["avc"] = "h264",
        ["x264"] = "h264",
        ["x265"] = "h265",
        ["libx264"] = "h264",
        ["libx265"] = "h265",
        ["libvpx-vp9"] = "vp9",
        ["libsvtav1"] = "av1",
        ["libaom-av1"] = "av1",
        ["prores_ks"] = "prores",
        ["libwebp_anim"] = "webp",
        ["libwebp"] = "webp",
        ["libopus"] = "opus",
        ["libmp3lame"] = "mp3",
        ["libvorbis"] = "vorbis",
        ["pcm_s16le"] = "pcm",
    };

    /// <summary>Containers that can carry a soft subtitle track, and the codec it is written with.</summary>
    // Stryker disable all : static table, pinned by golden files (see Containers)
    public static IReadOnlyDictionary<string, string> SoftSubtitleCodecs { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["mp4"] = "mov_text",
        ["mov"] = "mov_text",
        ["mkv"] = "srt",
        ["webm"] = "webvtt",
    };

    // Stryker restore all
    public static ContainerFormat? FindContainer(string name)
    {
        var key = name.Trim().TrimStart('.').ToLowerInvariant();
        if (ContainerAliases.TryGetValue(key, out var alias))
        {
            key = alias;
        }

        return Containers.GetValueOrDefault(key);
    }

    /// <summary>Normalizes a codec name (friendly or encoder) to its friendly key, or null if unknown.</summary>
    public static string? NormalizeVideoCodec(string name) => Normalize(name, VideoEncoders);

    public static string? NormalizeAudioCodec(string name) => Normalize(name, AudioEncoders);

    private static string? Normalize(string name, IReadOnlyDictionary<string, string[]> table)
    {
        var key = name.Trim().ToLowerInvariant();
        if (CodecAliases.TryGetValue(key, out var alias))
        {
            key = alias;
        }

        return key == "copy" || table.ContainsKey(key) ? key : null;
    }
}

/// <summary>A container: its API name, ffmpeg muxer, file extension, defaults and allowed codecs (a null default: none).</summary>
public sealed record ContainerFormat(
    string Name,
    string Muxer,
    string Extension,
    string? DefaultVideoCodec,
    string? DefaultAudioCodec,
    IReadOnlyList<string> VideoCodecs,
    IReadOnlyList<string> AudioCodecs)
{
    public bool IsAudioOnly => DefaultVideoCodec is null;
}
