namespace FfmpegApi.Media.Specs;

/// <summary>
/// The user-facing names of containers and codecs: the hand-written half of the output formats. Which codec may go in
/// which container is not decided here but by the installed ffmpeg (see <see cref="Capabilities.OutputSupport"/>: a
/// trial mux and read-back per pair, cached per ffmpeg identity). Friendly codec names (the original API's
/// h264/h265/vp9/av1, and mpeg2, dnxhd, pcm_s24…) map to ffmpeg encoders, preferred first; encoder names are accepted
/// too and normalized to the friendly name.
/// </summary>
public static class FormatCatalog
{
    // Stryker disable all : a static table, pinned by TestData/golden/catalog-*.args; Stryker cannot activate mutants in static initializers
    public static IReadOnlyDictionary<string, ContainerFormat> Containers { get; } = new[]
    {
        new ContainerFormat("mp4", "mp4", "mp4", "h264", "aac"),
        new ContainerFormat("mov", "mov", "mov", "h264", "aac"),
        new ContainerFormat("mkv", "matroska", "mkv", "h264", "aac"),
        new ContainerFormat("webm", "webm", "webm", "vp9", "opus"),
        new ContainerFormat("avi", "avi", "avi", "mpeg4", "mp3"),
        new ContainerFormat("flv", "flv", "flv", "h264", "aac"),
        new ContainerFormat("ts", "mpegts", "ts", "h264", "aac"),
        new ContainerFormat("m2ts", "mpegts", "m2ts", "h264", "ac3") { MuxerOptions = ["-mpegts_m2ts_mode", "1"] },
        new ContainerFormat("mpg", "mpeg", "mpg", "mpeg2", "mp2"),
        new ContainerFormat("mxf", "mxf", "mxf", "mpeg2", "pcm_s24") { AudioSampleRate = 48_000 },
        new ContainerFormat("3gp", "3gp", "3gp", "h264", "aac"),
        new ContainerFormat("ogv", "ogv", "ogv", "theora", "vorbis"),
        new ContainerFormat("wmv", "asf", "wmv", "wmv2", "wmav2"),
        new ContainerFormat("nut", "nut", "nut", "ffv1", "flac"),
        new ContainerFormat("mp3", "mp3", "mp3", null, "mp3"),
        new ContainerFormat("m4a", "ipod", "m4a", null, "aac"),
        new ContainerFormat("mka", "matroska", "mka", null, "aac"),
        new ContainerFormat("wav", "wav", "wav", null, "pcm"),
        new ContainerFormat("aiff", "aiff", "aiff", null, "pcm"),
        new ContainerFormat("flac", "flac", "flac", null, "flac"),
        new ContainerFormat("ogg", "ogg", "ogg", null, "vorbis"),
        new ContainerFormat("opus", "opus", "opus", null, "opus"),
        new ContainerFormat("ac3", "ac3", "ac3", null, "ac3"),
        new ContainerFormat("eac3", "eac3", "eac3", null, "eac3"),
        new ContainerFormat("mp2", "mp2", "mp2", null, "mp2"),
        new ContainerFormat("caf", "caf", "caf", null, "alac"),
        new ContainerFormat("gif", "gif", "gif", "gif", null) { Image = true },
        new ContainerFormat("webp", "webp", "webp", "webp", null) { Image = true, MuxerOptions = ["-loop", "0"] },
    }.ToDictionary(c => c.Name, StringComparer.Ordinal);

    // Stryker disable all : static table, pinned by golden files (see Containers)
    private static readonly Dictionary<string, string> ContainerAliases = new(StringComparer.Ordinal)
    {
        ["matroska"] = "mkv",
        ["mpegts"] = "ts",
        ["mts"] = "m2ts",
        ["mpeg"] = "mpg",
        ["oga"] = "ogg",
        ["m4v"] = "mp4",
        ["asf"] = "wmv",
        ["aif"] = "aiff",
    };

    /// <summary>Friendly video codec → candidate encoders, preferred first.</summary>
    // Stryker disable all : static table, pinned by golden files (see Containers)
    public static IReadOnlyDictionary<string, string[]> VideoEncoders { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["h264"] = ["libx264"],
        ["h265"] = ["libx265"],
        ["vp9"] = ["libvpx-vp9"],
        ["vp8"] = ["libvpx"],
        ["av1"] = ["libsvtav1", "libaom-av1"],
        ["mpeg4"] = ["mpeg4"],
        ["mpeg2"] = ["mpeg2video"],
        ["prores"] = ["prores_ks"],
        ["dnxhd"] = ["dnxhd"],
        ["ffv1"] = ["ffv1"],
        ["theora"] = ["libtheora"],
        ["mjpeg"] = ["mjpeg"],
        ["wmv2"] = ["wmv2"],
        ["flv1"] = ["flv"],
        ["gif"] = ["gif"],
        ["webp"] = ["libwebp_anim", "libwebp"],
    };

    /// <summary>
    /// Friendly audio codec → candidate encoders, preferred first. The PCM names list both byte orders: the container
    /// takes whichever it accepts (WAV little-endian, AIFF big-endian), so <c>pcm_s24</c> means 24-bit everywhere.
    /// </summary>
    // Stryker disable all : static table, pinned by golden files (see Containers)
    public static IReadOnlyDictionary<string, string[]> AudioEncoders { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["aac"] = ["aac"],
        ["opus"] = ["libopus"],
        ["mp3"] = ["libmp3lame"],
        ["flac"] = ["flac"],
        ["vorbis"] = ["libvorbis"],
        ["alac"] = ["alac"],
        ["ac3"] = ["ac3", "ac3_fixed"],
        ["eac3"] = ["eac3"],
        ["mp2"] = ["mp2", "mp2fixed", "libtwolame"],
        ["wmav2"] = ["wmav2"],
        ["pcm"] = ["pcm_s16le", "pcm_s16be"],
        ["pcm_s24"] = ["pcm_s24le", "pcm_s24be"],
        ["pcm_s32"] = ["pcm_s32le", "pcm_s32be"],
        ["pcm_f32"] = ["pcm_f32le", "pcm_f32be"],
    };

    /// <summary>Sample rates an audio codec can encode (absent: any rate in the general bounds).</summary>
    // Stryker disable all : static table, pinned by golden files (see Containers)
    public static IReadOnlyDictionary<string, int[]> AudioSampleRates { get; } = new Dictionary<string, int[]>(StringComparer.Ordinal)
    {
        ["opus"] = [8000, 12000, 16000, 24000, 48000],
        ["mp3"] = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000],
        ["aac"] = [7350, 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000],
        ["ac3"] = [32000, 44100, 48000],
        ["eac3"] = [32000, 44100, 48000],
        ["mp2"] = [16000, 22050, 24000, 32000, 44100, 48000],
        ["wmav2"] = [8000, 11025, 16000, 22050, 32000, 44100, 48000],
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
        ["libvpx"] = "vp8",
        ["libsvtav1"] = "av1",
        ["libaom-av1"] = "av1",
        ["mpeg2video"] = "mpeg2",
        ["prores_ks"] = "prores",
        ["dnxhr"] = "dnxhd",
        ["libtheora"] = "theora",
        ["motion_jpeg"] = "mjpeg",
        ["wmv"] = "wmv2",
        ["flv"] = "flv1",
        ["sorenson"] = "flv1",
        ["libwebp_anim"] = "webp",
        ["libwebp"] = "webp",
        ["libopus"] = "opus",
        ["libfdk_aac"] = "aac",
        ["libmp3lame"] = "mp3",
        ["libvorbis"] = "vorbis",
        ["ac3_fixed"] = "ac3",
        ["e-ac-3"] = "eac3",
        ["mp2fixed"] = "mp2",
        ["libtwolame"] = "mp2",
        ["wma"] = "wmav2",
        ["pcm_s16"] = "pcm",
        ["pcm_s16le"] = "pcm",
        ["pcm_s16be"] = "pcm",
        ["pcm_s24le"] = "pcm_s24",
        ["pcm_s24be"] = "pcm_s24",
        ["pcm_s32le"] = "pcm_s32",
        ["pcm_s32be"] = "pcm_s32",
        ["pcm_f32le"] = "pcm_f32",
        ["pcm_f32be"] = "pcm_f32",
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

    private const string IsoMedia = "mov,mp4,m4a,3gp,3g2,mj2";

    /// <summary>
    /// ffprobe's name (<c>format_name</c>) for the files each muxer writes, so a job reports its output's container
    /// without reading the file back; <c>OutputFormatTests</c> pins every entry against ffprobe. Left out, so read back:
    /// FLV and ASF/WMV (ffprobe's duration of their files is about 80–100 ms longer than the time ffmpeg reports having
    /// written) and animated WebP (ffmpeg 5.1 cannot read it back; its jobs keep the read-back's answer).
    /// </summary>
    // Stryker disable all : static table, pinned by OutputFormatTests against ffprobe
    private static readonly Dictionary<string, string> ReadBackNames = new(StringComparer.Ordinal)
    {
        ["mp4"] = IsoMedia,
        ["mov"] = IsoMedia,
        ["3gp"] = IsoMedia,
        ["ipod"] = IsoMedia,
        ["matroska"] = "matroska,webm",
        ["webm"] = "matroska,webm",
        ["avi"] = "avi",
        ["mpegts"] = "mpegts",
        ["mpeg"] = "mpeg",
        ["mxf"] = "mxf",
        ["ogv"] = "ogg",
        ["nut"] = "nut",
        ["mp3"] = "mp3",
        ["wav"] = "wav",
        ["aiff"] = "aiff",
        ["flac"] = "flac",
        ["ogg"] = "ogg",
        ["opus"] = "ogg",
        ["ac3"] = "ac3",
        ["eac3"] = "eac3",
        ["mp2"] = "mp3",
        ["caf"] = "caf",
        ["gif"] = "gif",
    };

    // Stryker restore all

    /// <summary>What ffprobe calls the files <paramref name="muxer"/> writes; null when the catalog does not know.</summary>
    public static string? ReadAs(string muxer) => ReadBackNames.GetValueOrDefault(muxer);

    public static ContainerFormat? FindContainer(string name)
    {
        var key = name.Trim().TrimStart('.').ToLowerInvariant();
        if (ContainerAliases.TryGetValue(key, out var alias))
        {
            key = alias;
        }

        return Containers.GetValueOrDefault(key);
    }

    /// <summary>The aliases that name <paramref name="container"/>.</summary>
    public static IEnumerable<string> AliasesOf(string container) => ContainerAliases.Where(a => a.Value == container).Select(a => a.Key);

    /// <summary>The names, other than the friendly one and its encoders, accepted for <paramref name="codec"/>.</summary>
    public static IEnumerable<string> CodecAliasesOf(string codec) => CodecAliases.Where(a => a.Value == codec).Select(a => a.Key);

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

/// <summary>
/// A container: its API name, ffmpeg muxer, file extension and default codecs (a null default: none). Which codecs it
/// takes is the build's answer (<see cref="Capabilities.OutputSupport"/>).
/// </summary>
public sealed record ContainerFormat(
    string Name,
    string Muxer,
    string Extension,
    string? DefaultVideoCodec,
    string? DefaultAudioCodec)
{
    public bool IsAudioOnly => DefaultVideoCodec is null;

    /// <summary>An animated-image container (gif, webp): its own encoder, no stream copy, no audio.</summary>
    public bool Image { get; init; }

    /// <summary>Muxer options the container always gets, as argv pairs (m2ts: the 192-byte packets of Blu-ray/AVCHD; webp: loop forever).</summary>
    public IReadOnlyList<string> MuxerOptions { get; init; } = [];

    /// <summary>The one audio sample rate the muxer writes (MXF: 48 kHz), or null for any.</summary>
    public int? AudioSampleRate { get; init; }
}
