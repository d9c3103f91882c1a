using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Endpoints.Requests.Operations;

public sealed record Denoise : Operation
{
    [Description("Default medium.")]
    public FilterStrength? Strength { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) => new DenoiseOperation(Strength ?? FilterStrength.Medium);
}

public sealed record Sharpen : Operation
{
    [Description("Negative values blur (default 1).")]
    [Range(-2d, 3d)]
    public double? Amount { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) => new SharpenOperation(Amount ?? 1);
}

public sealed record Deinterlace : Operation
{
    internal override OperationSpec? ToSpec(OperationScope scope) => new DeinterlaceOperation();
}

/// <summary>Gaussian blur.</summary>
public sealed record Blur : Operation
{
    [Description("Pixels (default 2).")]
    [Range(0.1, 50d)]
    public double? Sigma { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) => new BlurOperation(Sigma ?? 2);
}

/// <summary>Turn the colours around the hue circle and scale their saturation; at least one.</summary>
public sealed record Hue : Operation
{
    [Description("Degrees around the hue circle.")]
    [Range(-360d, 360d)]
    public double? Degrees { get; init; }

    [Description("0 (grey) to 3 (default 1).")]
    [Range(0d, 3d)]
    public double? Saturation { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) =>
        Degrees is null && Saturation is null
            ? scope.Fail<HueOperation>(null, "Give 'degrees', 'saturation' or both.")
            : new HueOperation(Degrees ?? 0, Saturation ?? 1);
}

/// <summary>Steady a shaky picture (one pass; the moved-in edge is mirrored).</summary>
public sealed record Stabilize : Operation
{
    [Description("How far a frame may have moved: light, medium (default) or strong.")]
    public FilterStrength? Strength { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) => new StabilizeOperation(Strength ?? FilterStrength.Medium);
}

/// <summary>HDR (PQ/HLG) to SDR BT.709; SDR input passes through.</summary>
public sealed record Tonemap : Operation
{
    [Description("Default hable.")]
    public TonemapCurve? Curve { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) => new TonemapOperation(Curve ?? TonemapCurve.Hable);
}

/// <summary>Brightness, contrast, saturation and gamma; at least one.</summary>
public sealed record Color : Operation
{
    [Range(-1d, 1d)]
    public double? Brightness { get; init; }

    [Range(0d, 3d)]
    public double? Contrast { get; init; }

    [Range(0d, 3d)]
    public double? Saturation { get; init; }

    [Range(0.1, 10d)]
    public double? Gamma { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) =>
        Brightness is null && Contrast is null && Saturation is null && Gamma is null
            ? scope.Fail<ColorOperation>(null, "Give at least one of 'brightness', 'contrast', 'saturation', 'gamma'.")
            : new ColorOperation(Brightness ?? 0, Contrast ?? 1, Saturation ?? 1, Gamma ?? 1);
}

public sealed record Grayscale : Operation
{
    internal override OperationSpec? ToSpec(OperationScope scope) => new GrayscaleOperation();
}

/// <summary>Fade picture and sound in (from <c>start</c>, default the beginning) or out (ending at the end).</summary>
public sealed record Fade : Operation
{
    [Required]
    public FadeDirection? Direction { get; init; }

    [Required]
    [Range(0.04, 600d)]
    public double? Duration { get; init; }

    public WireTime? Start { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) => new FadeOperation(Direction!.Value, Duration!.Value, Start?.Seconds);
}

/// <summary>Enlarge the picture with a super-resolution model (docs/upscaling.md).</summary>
public sealed record Upscale : Operation
{
    [Description("Default: the model's.")]
    [Range(2, 8)]
    public int? Scale { get; init; }

    [Description("A configured model's name (GET /capabilities).")]
    public string? Model { get; init; }

    [Description("Default auto.")]
    public UpscaleDevice? Device { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope)
    {
        var requested = Model?.Trim();
        if (requested is not null && (requested.Length is 0 or > 64 || !requested.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            return scope.Fail<UpscaleOperation>("model", "Must be a configured model name (letters, digits, '-', '_', '.'; see GET /capabilities).", requested);
        }

        if (scope.Errors.Any)
        {
            return null;
        }

        var (model, resolvedScale, problem) = scope.UpscaleModels?.Invoke(requested, Scale) ?? (null, 0, "this server does not upscale");
        if (problem is not null || model is null)
        {
            var field = requested is not null ? "model" : Scale is not null ? "scale" : null;
            return scope.Fail<UpscaleOperation>(field, $"Cannot upscale: {problem}.", requested);
        }

        return new UpscaleOperation(resolvedScale, model, Device ?? UpscaleDevice.Auto);
    }
}
