using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Capabilities;

/// <summary>
/// Which encoders each container of <see cref="FormatCatalog"/> takes with the installed ffmpeg, as found by
/// <see cref="OutputTrial"/>: ffmpeg muxed a few frames of each encoder into each container and read the file back
/// with the same codec. Nothing here is a hand table; the friendly names are mapped to encoders by the catalog.
/// </summary>
/// <param name="Containers">Container name → what it takes.</param>
[System.ComponentModel.ImmutableObject(true)]
public sealed record OutputSupport(IReadOnlyDictionary<string, ContainerSupport> Containers)
{
    /// <summary>Whether <paramref name="container"/> takes <paramref name="encoder"/>'s codec (false for unknown containers).</summary>
    public bool Accepts(string container, string encoder) => Containers.TryGetValue(container, out var c) && c.Encoders.Contains(encoder);

    /// <summary>Friendly video codecs the container takes, with <c>copy</c> unless it is an image format.</summary>
    public IReadOnlyList<string> VideoCodecs(ContainerFormat container, Func<string, bool> hasEncoder) => Codecs(container, FormatCatalog.VideoEncoders, hasEncoder);

    /// <summary>Friendly audio codecs the container takes, with <c>copy</c>.</summary>
    public IReadOnlyList<string> AudioCodecs(ContainerFormat container, Func<string, bool> hasEncoder) => Codecs(container, FormatCatalog.AudioEncoders, hasEncoder);

    /// <summary>Whether the container may hold audio without a video stream (MXF may not).</summary>
    public bool AudioAlone(ContainerFormat container) => container.IsAudioOnly || (Containers.TryGetValue(container.Name, out var c) && c.AudioAlone);

    private List<string> Codecs(ContainerFormat container, IReadOnlyDictionary<string, string[]> table, Func<string, bool> hasEncoder)
    {
        var codecs = table.Where(e => e.Value.Any(encoder => hasEncoder(encoder) && Accepts(container.Name, encoder))).Select(e => e.Key).ToList();
        if (codecs.Count > 0 && !container.Image)
        {
            codecs.Add("copy");
        }

        return codecs;
    }
}

/// <summary>What one container takes: the encoders whose output it muxed and read back, and whether audio may go alone.</summary>
public sealed record ContainerSupport(IReadOnlyList<string> Encoders, bool AudioAlone);
