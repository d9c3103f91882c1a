using FfmpegApi.Media.Commands.Filtergraph;
using FfmpegApi.Media.Hardware;
using FfmpegApi.Media.Probe;

namespace FfmpegApi.Media.Commands;

/// <summary>Where a plan reads and writes, and what the installed ffmpeg can do.</summary>
public sealed record PlanContext(string InputFile, string OutputFile, Func<string, bool> HasEncoder)
{
    /// <summary>Maps a virtual path in a spec (e.g. a watermark image) to the file ffmpeg opens.</summary>
    public Func<string, string> ResolveFile { get; init; } = path => path;

    /// <summary>Probes of the files a concat operation joins, in order (empty without concat).</summary>
    public IReadOnlyList<MediaInfo> ConcatInputs { get; init; } = [];

    /// <summary>Workspace files for the job's further outputs, in order (the first output goes to <c>OutputFile</c>).</summary>
    public IReadOnlyList<string> ExtraOutputFiles { get; init; } = [];

    /// <summary>What a loudness measurement pass found (null until it has run).</summary>
    public LoudnessMeasurement? Loudness { get; init; }

    /// <summary>The device this run may use (null: software); the plan uses it only where it has a form of a step.</summary>
    public HardwareDevice? Hardware { get; init; }

    /// <summary>
    /// The encoder for a friendly codec in a container (by name), from the build's trial
    /// (<see cref="Capabilities.FfmpegCapabilities.EncoderFor"/>): it picks among a codec's encoders, e.g. PCM's byte
    /// order. Null, or a null answer: the codec's first encoder this ffmpeg has.
    /// </summary>
    public Func<string, string, string?>? EncoderFor { get; init; }

    /// <summary>The source's HDR10 static metadata (read from its first frame when HDR passes through), else null.</summary>
    public HdrMetadata? HdrMetadata { get; init; }

    /// <summary>A fractional CRF for the first output's video, chosen by a quality search (x264/x265 take 27.5); else null.</summary>
    public double? FineCrf { get; init; }
}

/// <summary>The plan could not be made from this spec and this input (a job failure, not a server error).</summary>
public sealed class PlanningException(string message) : Exception(message);
