using System.Text.Json;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Specs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// Maps <c>operations</c> to typed <see cref="OperationSpec"/>s, applied in the order given. Every field is
/// bounded; unknown fields and types are refused with the allowed list.
/// </summary>
internal sealed partial class OperationMapper(JsonFields fields, StorageMounts mounts, long maxFileBytes)
{
    /// <summary>Operation names and aliases, for errors and <c>/capabilities</c>.</summary>
    public static readonly string[] Supported =
    [
        "trim", "scale", "resize", "crop", "pad", "letterbox", "rotate", "flip", "fps", "speed", "watermark", "text",
        "denoise", "sharpen", "deinterlace", "tonemap", "color", "grayscale", "fade", "volume", "normalize", "remove_audio", "subtitles", "concat", "upscale",
    ];

    /// <summary>Files one concat may join after the job's input.</summary>
    public const int MaxJoined = 9;

    private static readonly string[] SubtitleExtensions = [".srt", ".ass", ".ssa", ".vtt"];

    private static readonly string[] Fits = ["contain", "cover", "stretch", "pad"];
    private static readonly string[] Positions = ["top_left", "top_right", "bottom_left", "bottom_right", "center", "top", "bottom"];
    private static readonly string[] Directions = ["horizontal", "vertical", "both"];
    private static readonly string[] Strengths = ["light", "medium", "strong"];
    private static readonly string[] Curves = ["hable", "mobius", "reinhard", "clip"];

    private ValidationErrors Errors => fields.Errors;

    public List<OperationSpec>? Map(JsonElement body, int maxOperations)
    {
        var result = new List<OperationSpec>();
        if (!body.TryGetProperty("operations", out var operations) || operations.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (operations.ValueKind != JsonValueKind.Array)
        {
            Errors.Add("operations", "Must be an array of operations.", InvalidOperation);
            return null;
        }

        if (operations.GetArrayLength() > maxOperations)
        {
            Errors.Add("operations", $"At most {maxOperations} operations per job (got {operations.GetArrayLength()}).", InvalidOperation);
            return null;
        }

        var index = 0;
        foreach (var operation in operations.EnumerateArray())
        {
            var path = $"operations[{index++}]";
            if (operation.ValueKind != JsonValueKind.Object)
            {
                Errors.Add(path, "Must be an object with a 'type'.", InvalidOperation);
                continue;
            }

            var type = fields.String(operation, "type", path, InvalidOperation)?.ToLowerInvariant();
            var spec = type switch
            {
                "trim" => Trim(operation, path),
                "scale" or "resize" => Scale(operation, path),
                "crop" => Crop(operation, path),
                "pad" or "letterbox" => Pad(operation, path),
                "rotate" => Rotate(operation, path),
                "flip" => Only(operation, path, ["direction"], () => Enum<FlipDirection>(operation, "direction", path, Directions, required: true) is { } d ? new FlipOperation(d) : null),
                "fps" => Only(operation, path, ["fps"], () => Number(operation, "fps", path, 1, 240, required: true) is { } f ? new FpsOperation(f) : null),
                "speed" => Only(operation, path, ["factor"], () => Number(operation, "factor", path, 0.25, 4, required: true) is { } f ? new SpeedOperation(f) : null),
                "watermark" => Watermark(operation, path),
                "text" => Text(operation, path),
                "denoise" => Only(operation, path, ["strength"], () => new DenoiseOperation(Enum<FilterStrength>(operation, "strength", path, Strengths) ?? FilterStrength.Medium)),
                "sharpen" => Only(operation, path, ["amount"], () => new SharpenOperation(Number(operation, "amount", path, -2, 3) ?? 1)),
                "deinterlace" => Only(operation, path, [], () => new DeinterlaceOperation()),
                "tonemap" => Only(operation, path, ["curve"], () => new TonemapOperation(Enum<TonemapCurve>(operation, "curve", path, Curves) ?? TonemapCurve.Hable)),
                "grayscale" => Only(operation, path, [], () => new GrayscaleOperation()),
                "color" => Color(operation, path),
                "fade" => Fade(operation, path),
                "volume" => Only(operation, path, ["gain_db"], () => Number(operation, "gain_db", path, -60, 30, required: true) is { } g ? new VolumeOperation(g) : null),
                "normalize" => Normalize(operation, path),
                "remove_audio" => Only(operation, path, [], () => new RemoveAudioOperation()),
                "subtitles" => Subtitles(operation, path),
                "concat" => Concat(operation, path),
                "upscale" => Upscale(operation, path),
                null => Missing(path),
                _ => Unknown(type, path),
            };
            if (spec is not null)
            {
                result.Add(spec);
            }
        }

        if (result.OfType<TrimOperation>().Count() > 1)
        {
            Errors.Add("operations", "At most one trim operation per job.", InvalidOperation);
        }

        if (result.OfType<SubtitlesOperation>().Count() > 1)
        {
            Errors.Add("operations", "At most one subtitles operation per job.", InvalidOperation);
        }

        if (result.OfType<ConcatOperation>().Count() > 1)
        {
            Errors.Add("operations", "At most one concat operation per job (list every file in its 'inputs').", InvalidOperation);
        }

        if (result.Any(o => o is ConcatOperation) && result.Any(o => o is SubtitlesOperation { Mode: SubtitleMode.Soft }))
        {
            Errors.Add("operations", "A subtitle track cannot be added to joined inputs; burn the subtitles in instead.", InvalidOperation);
        }

        return result;
    }

    private OperationSpec? Only(JsonElement op, string path, string[] allowed, Func<OperationSpec?> build)
    {
        fields.RejectUnknown(op, path, InvalidOperation, ["type", .. allowed]);
        return build();
    }

    private TrimOperation? Trim(JsonElement op, string path)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "start", "duration", "end");
        var start = fields.Seconds(op, "start", path, InvalidOperation) ?? 0;
        var duration = fields.Seconds(op, "duration", path, InvalidOperation);
        var end = fields.Seconds(op, "end", path, InvalidOperation);
        if (duration is not null && end is not null)
        {
            Errors.Add(path, "Give either 'duration' or 'end', not both.", InvalidOperation);
            return null;
        }

        if (end is { } e)
        {
            if (e <= start)
            {
                Errors.Add($"{path}.end", "Must be after 'start'.", InvalidOperation);
                return null;
            }

            duration = e - start;
        }

        if (duration is <= 0)
        {
            Errors.Add($"{path}.duration", "Must be greater than 0.", InvalidOperation);
            return null;
        }

        if (start == 0 && duration is null)
        {
            Errors.Add(path, "A trim needs 'start', 'duration' or 'end'.", InvalidOperation);
            return null;
        }

        return new TrimOperation(start, duration);
    }

    private ScaleOperation? Scale(JsonElement op, string path)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "width", "height", "resolution", "fit", "allow_upscale");
        var width = fields.Int(op, "width", path, InvalidOperation, 2, Resolution.MaxSide);
        var height = fields.Int(op, "height", path, InvalidOperation, 2, Resolution.MaxSide);
        var resolution = fields.String(op, "resolution", path, InvalidOperation);
        var fit = Enum<ScaleFit>(op, "fit", path, Fits) ?? ScaleFit.Contain;
        var upscale = Bool(op, "allow_upscale", path) ?? false;
        if (resolution is not null)
        {
            if (!Resolution.TryParse(resolution, out var w, out var h))
            {
                Errors.Add($"{path}.resolution", "Must look like 1280x720, 720p or 4k.", InvalidOperation);
                return null;
            }

            (width, height) = (w, h);
        }

        if (width is null && height is null)
        {
            Errors.Add(path, "A scale needs 'width', 'height' or 'resolution'.", InvalidOperation);
            return null;
        }

        if (fit != ScaleFit.Contain && (width is null || height is null))
        {
            Errors.Add($"{path}.fit", "'cover', 'stretch' and 'pad' need both 'width' and 'height'.", InvalidOperation);
            return null;
        }

        return new ScaleOperation(width, height, fit, upscale);
    }

    private CropOperation? Crop(JsonElement op, string path)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "width", "height", "x", "y");
        var width = Size(op, "width", path);
        var height = Size(op, "height", path);
        var x = fields.Int(op, "x", path, InvalidOperation, 0, Resolution.MaxSide);
        var y = fields.Int(op, "y", path, InvalidOperation, 0, Resolution.MaxSide);
        return width is { } w && height is { } h ? new CropOperation(w, h, x, y) : null;
    }

    private PadOperation? Pad(JsonElement op, string path)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "width", "height", "color", "x", "y");
        var width = Size(op, "width", path);
        var height = Size(op, "height", path);
        var color = ColorName(op, "color", path) ?? "black";
        var x = fields.Int(op, "x", path, InvalidOperation, 0, Resolution.MaxSide);
        var y = fields.Int(op, "y", path, InvalidOperation, 0, Resolution.MaxSide);
        return width is { } w && height is { } h ? new PadOperation(w, h, color, x, y) : null;
    }

    private RotateOperation? Rotate(JsonElement op, string path)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "angle");
        var angle = fields.Int(op, "angle", path, InvalidOperation, -270, 270);
        if (angle is null)
        {
            Errors.Add($"{path}.angle", "Required: 90, 180 or 270 (clockwise; -90 means 270).", InvalidOperation);
            return null;
        }

        var normalized = ((angle.Value % 360) + 360) % 360;
        if (normalized is not (90 or 180 or 270))
        {
            Errors.Add($"{path}.angle", "Must be 90, 180 or 270 (clockwise; -90 means 270).", InvalidOperation, angle.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), ["90", "180", "270"]);
            return null;
        }

        return new RotateOperation(normalized);
    }

    private TextOperation? Text(JsonElement op, string path)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "text", "position", "font_size", "color", "box", "margin", "start", "end");
        var text = fields.String(op, "text", path, InvalidOperation);
        var position = Enum<OverlayPosition>(op, "position", path, Positions) ?? OverlayPosition.Bottom;
        var size = fields.Int(op, "font_size", path, InvalidOperation, 6, 400) ?? 24;
        var color = ColorName(op, "color", path) ?? "white";
        var box = Bool(op, "box", path) ?? true;
        var margin = fields.Int(op, "margin", path, InvalidOperation, 0, 1000) ?? 10;
        var start = fields.Seconds(op, "start", path, InvalidOperation);
        var end = fields.Seconds(op, "end", path, InvalidOperation);
        if (string.IsNullOrEmpty(text) || text.Length > 500 || text.Any(c => char.IsControl(c) && c != '\n'))
        {
            Errors.Add($"{path}.text", "Required: 1 to 500 characters (line breaks allowed, other control characters not).", InvalidOperation);
            return null;
        }

        if (start is { } s && end is { } e && e <= s)
        {
            Errors.Add($"{path}.end", "Must be after 'start'.", InvalidOperation);
            return null;
        }

        return new TextOperation(text, position, size, color, box, margin, start, end);
    }

    private ColorOperation? Color(JsonElement op, string path)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "brightness", "contrast", "saturation", "gamma");
        var brightness = Number(op, "brightness", path, -1, 1);
        var contrast = Number(op, "contrast", path, 0, 3);
        var saturation = Number(op, "saturation", path, 0, 3);
        var gamma = Number(op, "gamma", path, 0.1, 10);
        if (brightness is null && contrast is null && saturation is null && gamma is null)
        {
            Errors.Add(path, "Give at least one of 'brightness', 'contrast', 'saturation', 'gamma'.", InvalidOperation);
            return null;
        }

        return new ColorOperation(brightness ?? 0, contrast ?? 1, saturation ?? 1, gamma ?? 1);
    }

    private FadeOperation? Fade(JsonElement op, string path)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "direction", "duration", "start");
        var direction = Enum<FadeDirection>(op, "direction", path, ["in", "out"], required: true);
        var duration = Number(op, "duration", path, 0.04, 600, required: true);
        var start = fields.Seconds(op, "start", path, InvalidOperation);
        return direction is { } d && duration is { } s ? new FadeOperation(d, s, start) : null;
    }

    /// <summary>
    /// The original's <c>output.audio.normalize: true</c>: a <c>normalize</c> operation with its defaults (EBU R128,
    /// -16 LUFS, two passes) unless the job already has one.
    /// </summary>
    public static List<OperationSpec>? WithAudioNormalize(JsonElement body, List<OperationSpec>? operations, JsonFields fields)
    {
        if (body.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.Object
            && output.TryGetProperty("audio", out var audio) && audio.ValueKind == JsonValueKind.Object
            && audio.TryGetProperty("normalize", out var normalize) && normalize.ValueKind != JsonValueKind.Null)
        {
            if (normalize.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                fields.Errors.Add("output.audio.normalize", "Must be true or false.", InvalidOutput);
            }
            else if (normalize.ValueKind == JsonValueKind.True && operations is not null && !operations.Any(o => o is NormalizeOperation))
            {
                return [.. operations, new NormalizeOperation()];
            }
        }

        return operations;
    }

    private NormalizeOperation? Normalize(JsonElement op, string path)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "target_lufs", "true_peak", "lra", "two_pass");
        var target = Number(op, "target_lufs", path, -70, -5) ?? -16;
        var peak = Number(op, "true_peak", path, -9, 0) ?? -1.5;
        var lra = Number(op, "lra", path, 1, 50) ?? 11;
        var twoPass = Bool(op, "two_pass", path) ?? true;
        return new NormalizeOperation(target, peak, lra, twoPass);
    }

    private int? Size(JsonElement op, string name, string path)
    {
        var value = fields.Int(op, name, path, InvalidOperation, 2, Resolution.MaxSide);
        if (value is null && !op.TryGetProperty(name, out _))
        {
            Errors.Add($"{path}.{name}", $"Required: pixels (2 to {Resolution.MaxSide}).", InvalidOperation);
        }

        return value;
    }

    private double? Number(JsonElement op, string name, string path, double min, double max, bool required = false)
    {
        var value = fields.Number(op, name, path, InvalidOperation, min, max);
        if (required && value is null && !op.TryGetProperty(name, out _))
        {
            Errors.Add($"{path}.{name}", $"Required: a number from {min.ToString(System.Globalization.CultureInfo.InvariantCulture)} to {max.ToString(System.Globalization.CultureInfo.InvariantCulture)}.", InvalidOperation);
        }

        return value;
    }

    private bool? Bool(JsonElement op, string name, string path)
    {
        if (!op.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Errors.Add($"{path}.{name}", "Must be true or false.", InvalidOperation);
            return null;
        }

        return value.GetBoolean();
    }

    /// <summary>A snake_case wire name ("top_right", "top-right" accepted too) for a .NET enum member (TopRight).</summary>
    private T? Enum<T>(JsonElement op, string name, string path, string[] allowed, bool required = false)
        where T : struct, Enum
    {
        var text = fields.String(op, name, path, InvalidOperation)?.Trim().ToLowerInvariant().Replace('-', '_');
        if (text is null)
        {
            if (required && !op.TryGetProperty(name, out _))
            {
                Errors.Add($"{path}.{name}", $"Required: one of {string.Join(", ", allowed)}.", InvalidOperation, null, allowed);
            }

            return null;
        }

        if (Array.IndexOf(allowed, text) < 0 || !System.Enum.TryParse<T>(text.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var value))
        {
            Errors.Add($"{path}.{name}", $"Must be one of: {string.Join(", ", allowed)}.", InvalidOperation, text, allowed);
            return null;
        }

        return value;
    }

    /// <summary>A colour name (letters) or #RRGGBB[AA]; anything else could carry filter syntax.</summary>
    private string? ColorName(JsonElement op, string name, string path)
    {
        var text = fields.String(op, name, path, InvalidOperation)?.Trim();
        if (text is null)
        {
            return null;
        }

        var isName = text.Length is > 0 and <= 32 && text.All(char.IsAsciiLetter);
        var isHex = text.Length is 7 or 9 && text[0] == '#' && text[1..].All(char.IsAsciiHexDigit);
        if (!isName && !isHex)
        {
            Errors.Add($"{path}.{name}", "Must be a colour name (white, black, yellow, …) or #RRGGBB / #RRGGBBAA.", InvalidOperation, text);
            return null;
        }

        return text;
    }

    private OperationSpec? Missing(string path)
    {
        Errors.Add($"{path}.type", $"Required. Supported: {string.Join(", ", Supported)}.", InvalidOperation);
        return null;
    }

    private OperationSpec? Unknown(string type, string path)
    {
        Errors.Add($"{path}.type", $"Unknown operation '{type}'. Supported: {string.Join(", ", Supported)}.", InvalidOperation, type, Supported);
        return null;
    }
}
