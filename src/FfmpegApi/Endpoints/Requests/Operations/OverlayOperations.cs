using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Endpoints.Requests.Operations;

/// <summary>An image over the picture (PNG with alpha works best).</summary>
public sealed record Watermark : Operation
{
    [Description("The image's path, e.g. /storage/logo.png.")]
    public string? Image { get; init; }

    [Description("The original API's name for image (in its params form).")]
    public string? WatermarkPath { get; init; }

    [Description("Default bottom_right.")]
    public OverlayPosition? Position { get; init; }

    [Range(0, 1000)]
    public int? Margin { get; init; }

    [Range(0d, 1d)]
    public double? Opacity { get; init; }

    [Description("The image's width as a share of the picture's.")]
    [Range(0.01, 1d)]
    public double? Scale { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope)
    {
        if (Image is not null && WatermarkPath is not null)
        {
            return scope.Fail<WatermarkOperation>("watermark_path", "Give either 'image' or 'watermark_path' (the same field), not both.");
        }

        var field = WatermarkPath is not null ? "watermark_path" : "image";
        var file = scope.Files.Existing(Image ?? WatermarkPath, scope.Field(field), scope.Errors, "Required: the path of an image (PNG with alpha works best), e.g. /storage/logo.png.", "Image");
        return file is null ? null : new WatermarkOperation(file.VirtualPath, Position ?? OverlayPosition.BottomRight, Margin ?? 10, Opacity ?? 1, Scale);
    }
}

/// <summary>Text drawn over the picture, optionally only between <c>start</c> and <c>end</c>.</summary>
public sealed record Text : Operation
{
    [Description("1 to 500 characters; line breaks allowed.")]
    [JsonPropertyName("text")]
    public string? Content { get; init; }

    [Description("Default bottom.")]
    public OverlayPosition? Position { get; init; }

    [Range(6, 400)]
    public int? FontSize { get; init; }

    [Description("A colour name or #RRGGBB[AA] (default white).")]
    public string? Color { get; init; }

    [Description("A dark box behind the text (default true).")]
    public bool? Box { get; init; }

    [Range(0, 1000)]
    public int? Margin { get; init; }

    public WireTime? Start { get; init; }

    public WireTime? End { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope)
    {
        if (string.IsNullOrEmpty(Content) || Content.Length > 500 || Content.Any(c => char.IsControl(c) && c != '\n'))
        {
            return scope.Fail<TextOperation>("text", "Required: 1 to 500 characters (line breaks allowed, other control characters not).");
        }

        if (Start is { } s && End is { } e && e.Seconds <= s.Seconds)
        {
            return scope.Fail<TextOperation>("end", "Must be after 'start'.");
        }

        return ColorName.Check(Color, "color", scope, out var color)
            ? new TextOperation(Content, Position ?? OverlayPosition.Bottom, FontSize ?? 24, color ?? "white", Box ?? true, Margin ?? 10, Start?.Seconds, End?.Seconds)
            : null;
    }
}

/// <summary>Subtitles from an .srt, .ass, .ssa or .vtt file: burnt into the picture or added as a track.</summary>
public sealed record Subtitles : Operation
{
    private static readonly string[] Extensions = [".srt", ".ass", ".ssa", ".vtt"];

    [Description("The subtitle file's path, e.g. /storage/input/subs.srt.")]
    public string? File { get; init; }

    [Description("Default burn.")]
    public SubtitleMode? Mode { get; init; }

    [Description("ISO 639 code of a soft track, e.g. eng.")]
    public string? Language { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope)
    {
        var language = Language?.Trim().ToLowerInvariant();
        if (language is not null && (language.Length is < 2 or > 3 || !language.All(char.IsAsciiLetterLower)))
        {
            return scope.Fail<SubtitlesOperation>("language", "Must be an ISO 639 code such as 'eng' or 'en'.", language);
        }

        var file = scope.Files.Existing(
            File,
            scope.Field("file"),
            scope.Errors,
            "Required: the path of an .srt, .ass or .vtt file, e.g. /storage/input/subs.srt.",
            "Subtitle file",
            resolved => Array.IndexOf(Extensions, Path.GetExtension(resolved.PhysicalPath).ToLowerInvariant()) < 0
                ? $"Subtitles must be one of: {string.Join(", ", Extensions)}."
                : null);
        return file is null ? null : new SubtitlesOperation(file.VirtualPath, Mode ?? SubtitleMode.Burn, language);
    }
}

/// <summary>Join further files after the job's input (their streams are conformed to the input's).</summary>
public sealed record Concat : Operation
{
    /// <summary>Files one concat may join after the job's input.</summary>
    public const int MaxJoined = 9;

    [Description("1 to 9 paths, joined in order after the job's input.")]
    public IReadOnlyList<string>? Inputs { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope)
    {
        if (Inputs is not { Count: > 0 and <= MaxJoined })
        {
            return scope.Fail<ConcatOperation>("inputs", $"Required: 1 to {MaxJoined} paths to join after the job's input.");
        }

        var files = new List<string>();
        for (var i = 0; i < Inputs.Count; i++)
        {
            if (scope.Files.Existing(Inputs[i], scope.Field($"inputs[{i}]"), scope.Errors, "Must be a path string.", "Input file") is { } file)
            {
                files.Add(file.VirtualPath);
            }
        }

        return files.Count == Inputs.Count ? new ConcatOperation(files) : null;
    }
}
