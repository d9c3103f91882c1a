using System.Text.Json;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Specs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>What a model check answers: the model an upscale operation means (and its scale), or why it cannot run.</summary>
public delegate (string? Model, int Scale, string? Problem) UpscaleModelCheck(string? model, int? scale);

/// <summary><c>upscale</c>: <c>scale</c> (2–8; default the model's), <c>model</c> (a configured name), <c>device</c> (auto, gpu).</summary>
internal sealed partial class OperationMapper
{
    private static readonly string[] UpscaleDevices = ["auto", "gpu"];

    /// <summary>Resolves and checks models (null: this server has no upscaler, so upscale operations are refused).</summary>
    public UpscaleModelCheck? UpscaleModels { get; init; }

    private UpscaleOperation? Upscale(JsonElement op, string path)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "scale", "model", "device");
        var scale = fields.Int(op, "scale", path, InvalidOperation, 2, 8);
        var requested = fields.String(op, "model", path, InvalidOperation)?.Trim();
        var device = Enum<UpscaleDevice>(op, "device", path, UpscaleDevices) ?? UpscaleDevice.Auto;
        if (requested is not null && (requested.Length is 0 or > 64 || !requested.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            Errors.Add($"{path}.model", "Must be a configured model name (letters, digits, '-', '_', '.'; see GET /capabilities).", InvalidOperation, requested);
            return null;
        }

        if (Errors.Any)
        {
            return null;
        }

        var (model, resolvedScale, problem) = UpscaleModels?.Invoke(requested, scale) ?? (null, 0, "this server does not upscale");
        if (problem is not null || model is null)
        {
            var field = requested is not null ? $"{path}.model" : scale is not null ? $"{path}.scale" : path;
            Errors.Add(field, $"Cannot upscale: {problem}.", InvalidOperation, requested);
            return null;
        }

        return new UpscaleOperation(resolvedScale, model, device);
    }
}
