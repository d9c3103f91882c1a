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
    IReadOnlyList<string> Demuxers)
{
    private readonly HashSet<string> _encoderNames = Encoders.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);

    public bool HasEncoder(string name) => _encoderNames.Contains(name);

    public static FfmpegCapabilities Empty { get; } = new("unknown", [], [], [], [], [], []);
}

/// <summary>An encoder or decoder: name, media type (video/audio/subtitle) and description.</summary>
public sealed record CodecEntry(string Name, string Type, string Description);
