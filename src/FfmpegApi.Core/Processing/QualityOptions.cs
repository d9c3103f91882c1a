using System.ComponentModel.DataAnnotations;

namespace FfmpegApi.Core.Processing;

/// <summary>Section <c>Quality</c>: how a <c>target_vmaf</c> encode searches its CRF.</summary>
public sealed class QualityOptions
{
    public const string Section = "Quality";

    /// <summary>Sample windows spread over the input (one window over all of it when the input is short).</summary>
    [Range(1, 10)]
    public int Samples { get; set; } = 3;

    /// <summary>Length of each sample window.</summary>
    [Range(0.5, 30)]
    public double SampleSeconds { get; set; } = 2;

    /// <summary>The most CRF values tried (each one encode and one VMAF run per sample): bounds the search's cost.</summary>
    [Range(2, 12)]
    public int MaxTrials { get; set; } = 6;

    /// <summary>A trial this close to the target (VMAF points) ends the search.</summary>
    [Range(0.1, 5)]
    public double Tolerance { get; set; } = 0.5;
}
