using System.Text.Json;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Specs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>Operations that name further files (watermark images, joined inputs, subtitles): each must be in a mount.</summary>
internal sealed partial class OperationMapper
{
    private WatermarkOperation? Watermark(JsonElement op, string path)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "image", "position", "margin", "opacity", "scale");
        var image = fields.String(op, "image", path, InvalidOperation);
        var position = Enum<OverlayPosition>(op, "position", path, Positions) ?? OverlayPosition.BottomRight;
        var margin = fields.Int(op, "margin", path, InvalidOperation, 0, 1000) ?? 10;
        var opacity = Number(op, "opacity", path, 0, 1) ?? 1;
        var scale = Number(op, "scale", path, 0.01, 1);
        var file = ExistingFile(image, $"{path}.image", "Required: the path of an image (PNG with alpha works best), e.g. /storage/logo.png.", "Image");
        return file is null ? null : new WatermarkOperation(file.VirtualPath, position, margin, opacity, scale);
    }

    private ConcatOperation? Concat(JsonElement op, string path)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "inputs");
        if (!op.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() is 0 or > MaxJoined)
        {
            Errors.Add($"{path}.inputs", $"Required: 1 to {MaxJoined} paths to join after the job's input.", InvalidOperation);
            return null;
        }

        var files = new List<string>();
        var index = 0;
        foreach (var item in inputs.EnumerateArray())
        {
            var text = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (ExistingFile(text, $"{path}.inputs[{index++}]", "Must be a path string.", "Input file") is { } file)
            {
                files.Add(file.VirtualPath);
            }
        }

        return files.Count == index ? new ConcatOperation(files) : null;
    }

    private SubtitlesOperation? Subtitles(JsonElement op, string path)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "file", "mode", "language");
        var text = fields.String(op, "file", path, InvalidOperation);
        var mode = Enum<SubtitleMode>(op, "mode", path, ["burn", "soft"]) ?? SubtitleMode.Burn;
        var language = fields.String(op, "language", path, InvalidOperation)?.Trim().ToLowerInvariant();
        if (language is not null && (language.Length is < 2 or > 3 || !language.All(char.IsAsciiLetterLower)))
        {
            Errors.Add($"{path}.language", "Must be an ISO 639 code such as 'eng' or 'en'.", InvalidOperation, language);
            return null;
        }

        var file = ExistingFile(
            text,
            $"{path}.file",
            "Required: the path of an .srt, .ass or .vtt file, e.g. /storage/input/subs.srt.",
            "Subtitle file",
            resolved => Array.IndexOf(SubtitleExtensions, Path.GetExtension(resolved.PhysicalPath).ToLowerInvariant()) < 0
                ? $"Subtitles must be one of: {string.Join(", ", SubtitleExtensions)}."
                : null);
        return file is null ? null : new SubtitlesOperation(file.VirtualPath, mode, language);
    }

    /// <summary>
    /// A non-empty file inside a mount, or null with the reason recorded on <paramref name="field"/>:
    /// missing text, a path outside the mounts, a failed <paramref name="check"/> (its message), or no such file.
    /// </summary>
    private ResolvedPath? ExistingFile(string? text, string field, string required, string what, Func<ResolvedPath, string?>? check = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            Errors.Add(field, required, InvalidOperation);
            return null;
        }

        if (!mounts.TryResolve(text, out var resolved, out var error))
        {
            Errors.Add(field, error, InvalidOperation, text);
            return null;
        }

        if (check?.Invoke(resolved!) is { } problem)
        {
            Errors.Add(field, problem, InvalidOperation, resolved!.VirtualPath);
            return null;
        }

        if (mounts.IsPendingOutput(resolved!))
        {
            return resolved;
        }

        var length = File.Exists(resolved!.PhysicalPath) ? new FileInfo(resolved.PhysicalPath).Length : 0;
        if (length == 0)
        {
            Errors.Add(field, $"{what} not found: {resolved.VirtualPath}", InvalidOperation);
            return null;
        }

        if (length > maxFileBytes)
        {
            Errors.Add(field, $"{what} is {JobOptions.Describe(length)}; this server accepts up to {JobOptions.Describe(maxFileBytes)} (Jobs:MaxInputBytes).", InvalidOperation);
            return null;
        }

        return resolved;
    }
}
