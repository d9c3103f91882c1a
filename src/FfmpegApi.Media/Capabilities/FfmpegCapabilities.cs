using System.Text.Json.Serialization;

namespace FfmpegApi.Media.Capabilities;

/// <summary>What the installed ffmpeg can do, read from its own listings.</summary>
/// <remarks>Immutable: caches hand out the same instance.</remarks>
[System.ComponentModel.ImmutableObject(true)]
public sealed record FfmpegCapabilities(
    string Version,
    IReadOnlyList<CodecEntry> Encoders,
    IReadOnlyList<CodecEntry> Decoders,
    IReadOnlyList<string> Filters,
    IReadOnlyList<string> HwAccels,
    IReadOnlyList<string> Muxers,
    IReadOnlyList<string> Demuxers,
    IReadOnlyList<string>? Devices = null)
{
    private string? _inputFormatWhitelist;

    private readonly HashSet<string> _encoderNames = Encoders.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>The demuxers an input may use (see <see cref="DemuxerPolicy"/>); empty when the build is unknown.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> InputFormats { get; } = DemuxerPolicy.Allowed(Demuxers, Devices ?? []);

    /// <summary>The <c>-format_whitelist</c> of every input: <see cref="InputFormats"/>, or the fallback list when unknown.</summary>
    /// <remarks>Joined once (some 3 KB) and kept: every probe and every ffmpeg run of a job reads it.</remarks>
    [JsonIgnore]
    public string InputFormatWhitelist => _inputFormatWhitelist ??= InputFormats.Count > 0 ? string.Join(',', InputFormats) : DemuxerPolicy.Fallback;

    /// <summary>Which codec each output container takes with this build (<see cref="OutputTrial"/>); null when not tried (ffmpeg missing).</summary>
    public OutputSupport? Outputs { get; init; }

    public bool HasEncoder(string name) => _encoderNames.Contains(name);

    /// <summary>
    /// The encoder of friendly <paramref name="codec"/> for <paramref name="container"/>: the first of the codec's encoders
    /// that this ffmpeg has and the container takes, preferring the byte order most of the container's PCM encoders use
    /// (AIFF takes little-endian PCM as AIFF-C, but big-endian is AIFF). Null when none is known.
    /// </summary>
    public string? EncoderFor(string container, string codec)
    {
        var candidates = Specs.FormatCatalog.VideoEncoders.GetValueOrDefault(codec) ?? Specs.FormatCatalog.AudioEncoders.GetValueOrDefault(codec) ?? [];
        var taken = candidates.Where(e => HasEncoder(e) && (Outputs?.Accepts(container, e) ?? true)).ToList();
        var accepted = Outputs?.Containers.GetValueOrDefault(container)?.Encoders ?? [];
        int SameOrder(string encoder) => encoder.EndsWith("le", StringComparison.Ordinal) || encoder.EndsWith("be", StringComparison.Ordinal)
            ? accepted.Count(a => a.StartsWith("pcm_", StringComparison.Ordinal) && a.EndsWith(encoder[^2..], StringComparison.Ordinal))
            : 0;
        return taken.OrderByDescending(SameOrder).FirstOrDefault();
    }

    /// <summary>The friendly video codecs <paramref name="container"/> takes here (every known one while unknown, ffmpeg then decides).</summary>
    public IReadOnlyList<string> VideoCodecs(Specs.ContainerFormat container) =>
        container.IsAudioOnly ? [] : Outputs?.VideoCodecs(container, HasEncoder) ?? (container.Image ? [container.DefaultVideoCodec!] : [.. Specs.FormatCatalog.VideoEncoders.Keys, "copy"]);

    /// <summary>The friendly audio codecs <paramref name="container"/> takes here (as <see cref="VideoCodecs"/>).</summary>
    public IReadOnlyList<string> AudioCodecs(Specs.ContainerFormat container) =>
        container.DefaultAudioCodec is null ? [] : Outputs?.AudioCodecs(container, HasEncoder) ?? [.. Specs.FormatCatalog.AudioEncoders.Keys, "copy"];

    public static FfmpegCapabilities Empty { get; } = new("unknown", [], [], [], [], [], []);
}

/// <summary>An encoder or decoder: name, media type (video/audio/subtitle) and description.</summary>
public sealed record CodecEntry(string Name, string Type, string Description);
