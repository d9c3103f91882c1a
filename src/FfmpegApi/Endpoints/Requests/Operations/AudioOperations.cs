using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Endpoints.Requests.Operations;

public sealed record Volume : Operation
{
    [Required]
    [Range(-60d, 30d)]
    public double? GainDb { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) => new VolumeOperation(GainDb!.Value);
}

/// <summary>EBU R128 loudness normalisation (two passes by default).</summary>
public sealed record Normalize : Operation
{
    [Description("Default -16.")]
    [Range(-70d, -5d)]
    public double? TargetLufs { get; init; }

    [Description("Default -1.5.")]
    [Range(-9d, 0d)]
    public double? TruePeak { get; init; }

    [Description("Default 11.")]
    [Range(1d, 50d)]
    public double? Lra { get; init; }

    [Description("Measure first, then apply (default true).")]
    public bool? TwoPass { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) => new NormalizeOperation(TargetLufs ?? -16, TruePeak ?? -1.5, Lra ?? 11, TwoPass ?? true);
}

public sealed record RemoveAudio : Operation
{
    internal override OperationSpec? ToSpec(OperationScope scope) => new RemoveAudioOperation();
}
