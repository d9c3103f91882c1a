using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json.Serialization;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Endpoints.Requests.Operations;

/// <summary>Keep part of the input: from <c>start</c> (default 0) for <c>duration</c> or until <c>end</c>.</summary>
public sealed record Trim : Operation
{
    public WireTime? Start { get; init; }

    public WireTime? Duration { get; init; }

    public WireTime? End { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope)
    {
        var start = Start?.Seconds ?? 0;
        var duration = Duration?.Seconds;
        if (duration is not null && End is not null)
        {
            return scope.Fail<TrimOperation>(null, "Give either 'duration' or 'end', not both.");
        }

        if (End is { Seconds: var end })
        {
            if (end <= start)
            {
                return scope.Fail<TrimOperation>("end", "Must be after 'start'.");
            }

            duration = end - start;
        }

        return duration is <= 0 ? scope.Fail<TrimOperation>("duration", "Must be greater than 0.")
            : start == 0 && duration is null ? scope.Fail<TrimOperation>(null, "A trim needs 'start', 'duration' or 'end'.")
            : new TrimOperation(start, duration);
    }
}

/// <summary>Scale to <c>width</c>×<c>height</c> (or <c>resolution</c>); one side keeps the aspect ratio.</summary>
public record Scale : Operation
{
    [Range(2, Media.Specs.Resolution.MaxSide)]
    public int? Width { get; init; }

    [Range(2, Media.Specs.Resolution.MaxSide)]
    public int? Height { get; init; }

    [Description("1280x720, 720p or 4k.")]
    public string? Resolution { get; init; }

    [Description("How the picture fits a width×height box (default contain).")]
    public ScaleFit? Fit { get; init; }

    [Description("Enlarge a smaller input (default false: it keeps its size).")]
    public bool? AllowUpscale { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope)
    {
        var (width, height) = (Width, Height);
        if (Resolution is not null)
        {
            if (!Media.Specs.Resolution.TryParse(Resolution, out var w, out var h))
            {
                return scope.Fail<ScaleOperation>("resolution", "Must look like 1280x720, 720p or 4k.");
            }

            (width, height) = (w, h);
        }

        var fit = Fit ?? ScaleFit.Contain;
        return width is null && height is null ? scope.Fail<ScaleOperation>(null, "A scale needs 'width', 'height' or 'resolution'.")
            : fit != ScaleFit.Contain && (width is null || height is null) ? scope.Fail<ScaleOperation>("fit", "'cover', 'stretch' and 'pad' need both 'width' and 'height'.")
            : new ScaleOperation(width, height, fit, AllowUpscale ?? false);
    }
}

/// <summary>Another name for <c>scale</c>.</summary>
public sealed record Resize : Scale;

/// <summary>An operation on a <c>width</c>×<c>height</c> rectangle placed at <c>x</c>, <c>y</c> (default: centred).</summary>
public abstract record Rectangle : Operation
{
    [Required(ErrorMessage = "Required: pixels (2 to 8192).")]
    [Range(2, Resolution.MaxSide)]
    public int? Width { get; init; }

    [Required(ErrorMessage = "Required: pixels (2 to 8192).")]
    [Range(2, Resolution.MaxSide)]
    public int? Height { get; init; }

    [Range(0, Resolution.MaxSide)]
    public int? X { get; init; }

    [Range(0, Resolution.MaxSide)]
    public int? Y { get; init; }
}

/// <summary>Cut a <c>width</c>×<c>height</c> rectangle at <c>x</c>, <c>y</c> (default: centred).</summary>
public sealed record Crop : Rectangle
{
    internal override OperationSpec? ToSpec(OperationScope scope) => new CropOperation(Width!.Value, Height!.Value, X, Y);
}

/// <summary>Grow the canvas to <c>width</c>×<c>height</c> with <c>color</c>; the picture sits at <c>x</c>, <c>y</c> (default: centred).</summary>
public record Pad : Rectangle
{
    [Description("A colour name or #RRGGBB[AA] (default black).")]
    public string? Color { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) =>
        ColorName.Check(Color, "color", scope, out var color) ? new PadOperation(Width!.Value, Height!.Value, color ?? "black", X, Y) : null;
}

/// <summary>Another name for <c>pad</c>.</summary>
public sealed record Letterbox : Pad;

/// <summary>Rotate clockwise by 90, 180 or 270 degrees (-90 means 270).</summary>
public sealed record Rotate : Operation
{
    [Required(ErrorMessage = "Required: 90, 180 or 270 (clockwise; -90 means 270).")]
    [Range(-270, 270)]
    public int? Angle { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope)
    {
        var normalized = ((Angle!.Value % 360) + 360) % 360;
        return normalized is 90 or 180 or 270 ? new RotateOperation(normalized)
            : scope.Fail<RotateOperation>("angle", "Must be 90, 180 or 270 (clockwise; -90 means 270).", Angle.Value.ToString(CultureInfo.InvariantCulture), ["90", "180", "270"]);
    }
}

public sealed record Flip : Operation
{
    [Required]
    public FlipDirection? Direction { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) => new FlipOperation(Direction!.Value);
}

/// <summary>Change the frame rate by dropping or repeating frames (the duration stays).</summary>
public sealed record Fps : Operation
{
    [Required]
    [Range(1d, 240d)]
    [JsonPropertyName("fps")]
    public double? Rate { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) => new FpsOperation(Rate!.Value);
}

/// <summary>Play faster (factor &gt; 1) or slower; audio keeps its pitch.</summary>
public sealed record Speed : Operation
{
    [Required]
    [Range(0.25, 4d)]
    public double? Factor { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) => new SpeedOperation(Factor!.Value);
}

/// <summary>A colour name (letters) or #RRGGBB[AA]; anything else could carry filter syntax.</summary>
internal static class ColorName
{
    public static bool Check(string? text, string name, OperationScope scope, out string? color)
    {
        color = text?.Trim();
        if (color is null)
        {
            return true;
        }

        var isName = color.Length is > 0 and <= 32 && color.All(char.IsAsciiLetter);
        var isHex = color.Length is 7 or 9 && color[0] == '#' && color[1..].All(char.IsAsciiHexDigit);
        if (!isName && !isHex)
        {
            scope.Fail<string>(name, "Must be a colour name (white, black, yellow, …) or #RRGGBB / #RRGGBBAA.", color);
            return false;
        }

        return true;
    }
}
