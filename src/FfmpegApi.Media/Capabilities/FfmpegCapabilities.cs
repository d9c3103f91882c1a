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

    public bool HasEncoder(string name) => _encoderNames.Contains(name);

    public static FfmpegCapabilities Empty { get; } = new("unknown", [], [], [], [], [], []);
}

/// <summary>An encoder or decoder: name, media type (video/audio/subtitle) and description.</summary>
public sealed record CodecEntry(string Name, string Type, string Description);
