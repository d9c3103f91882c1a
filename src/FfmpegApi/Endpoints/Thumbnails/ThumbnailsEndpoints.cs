using System.Text.Json;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Storage;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Specs;
using FfmpegApi.Media.Thumbnails;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Thumbnails;

public static class ThumbnailsEndpoints
{
    public static RouteGroupBuilder MapThumbnails(this RouteGroupBuilder api)
    {
        api.MapJobSubmission<ThumbnailsRequest>(
            "/thumbnails",
            "Thumbnails",
            "Submit a thumbnail job: one image, N evenly spaced, every N seconds, or sprite sheets with a WebVTT storyboard",
            Mapper);
        return api;
    }

    /// <summary>A thumbnails body → spec (also used for <c>type: thumbnails</c> in a batch).</summary>
    public static readonly JobBodyMapper Mapper = async (m, body, id) =>
        new ThumbnailsRequestMapper(m.Mounts, m.Jobs, await m.Tools.GetCapabilitiesAsync(), m.Remote).Map(body, id);
}

/// <summary>Maps a thumbnails body; the output is a new directory, or a new file for one image (nothing stored is overwritten).</summary>
public sealed class ThumbnailsRequestMapper(StorageMounts mounts, JobOptions jobOptions, FfmpegCapabilities capabilities, InputSources? remote = null)
{
    private static readonly string[] TopLevel = ["input", "mode", "time", "count", "interval", "fps", "width", "height", "quality", "format", "sprite", "output", "options", "priority", .. ConvertRequestMapper.WebhookFields];
    private static readonly string[] Qualities = [.. Enum.GetNames<ThumbnailQuality>().Select(n => n.ToLowerInvariant())];
    private static readonly string[] Modes = ["single", "count", "interval", "sequence"];

    public (JobEnvelope? Envelope, ValidationErrors Errors) Map(JsonElement body, string jobId)
    {
        var fields = JsonFields.ForBody(body, TopLevel, out var isObject);
        var errors = fields.Errors;
        if (!isObject)
        {
            return (null, errors);
        }

        var shared = new ConvertRequestMapper(mounts, jobOptions, capabilities, remote);
        var input = shared.MapExistingFile(body, "input", fields);
        var modeText = fields.String(body, "mode", string.Empty, InvalidRequest)?.Trim().ToLowerInvariant() ?? (body.TryGetProperty("count", out _) ? "count" : body.TryGetProperty("interval", out _) ? "interval" : "single");
        if (Array.IndexOf(Modes, modeText) < 0)
        {
            errors.Add("mode", $"Must be one of: {string.Join(", ", Modes)}.", InvalidRequest, modeText, Modes);
        }

        var mode = modeText switch { "count" => ThumbnailMode.Count, "interval" => ThumbnailMode.Interval, "sequence" => ThumbnailMode.Sequence, _ => ThumbnailMode.One };
        var fps = fields.Number(body, "fps", string.Empty, InvalidRequest, 0.01, 240);
        if (fps is not null && mode != ThumbnailMode.Sequence)
        {
            errors.Add("fps", "'fps' applies to mode 'sequence'.", InvalidRequest);
        }
        var time = fields.Seconds(body, "time", string.Empty, InvalidRequest);
        var count = fields.Int(body, "count", string.Empty, InvalidRequest, 1, ThumbnailSpec.MaxImages);
        var interval = fields.Number(body, "interval", string.Empty, InvalidRequest, 0.1, 3600);
        if (mode == ThumbnailMode.Count && count is null && !errors.Any)
        {
            errors.Add("count", $"Required for mode 'count': 1 to {ThumbnailSpec.MaxImages}.", InvalidRequest);
        }

        if (mode == ThumbnailMode.Interval && interval is null && !errors.Any)
        {
            errors.Add("interval", "Required for mode 'interval': seconds between images (0.1 to 3600).", InvalidRequest);
        }

        var width = fields.Int(body, "width", string.Empty, InvalidRequest, 16, 3840);
        var height = fields.Int(body, "height", string.Empty, InvalidRequest, 16, 2160);
        var qualityText = fields.String(body, "quality", string.Empty, InvalidRequest)?.Trim().ToLowerInvariant();
        if (qualityText is not null && Array.IndexOf(Qualities, qualityText) < 0)
        {
            errors.Add("quality", $"Must be one of: {string.Join(", ", Qualities)}.", InvalidRequest, qualityText, Qualities);
        }

        ThumbnailQuality? quality = Enum.TryParse<ThumbnailQuality>(qualityText, ignoreCase: true, out var parsed) && Qualities.Contains(qualityText) ? parsed : null;

        // One image to a file name (poster.jpg) is written as that file; anything else names a new directory.
        var outputText = body.TryGetProperty("output", out var outputValue) && outputValue.ValueKind == JsonValueKind.String ? outputValue.GetString()?.Trim() : null;
        var fileFormat = mode == ThumbnailMode.One && outputText is not null && !outputText.EndsWith('/') ? ThumbnailSpec.FormatOfFile(outputText) : null;
        var format = (fields.String(body, "format", string.Empty, InvalidRequest) is { } asked ? ThumbnailSpec.NormalizeFormat(asked) : null) ?? fileFormat ?? "jpg";
        if (fileFormat is not null && format != fileFormat)
        {
            errors.Add("format", $"'{format}' contradicts the output file's extension ({fileFormat}).", InvalidRequest, format, [fileFormat]);
        }
        if (Array.IndexOf(ThumbnailSpec.Formats, format) < 0)
        {
            errors.Add("format", $"Must be one of: {string.Join(", ", ThumbnailSpec.Formats)}.", InvalidRequest, format, ThumbnailSpec.Formats);
        }

        if (quality is not null && format == "png")
        {
            errors.Add("quality", "PNG is lossless; 'quality' applies to jpg and webp.", InvalidRequest, qualityText, ["jpg", "webp"]);
        }

        var sprite = MapSprite(body, mode, fields);
        var output = fileFormat is not null
            ? Jobs.OutputMapper.ResolveFile(outputText!, "output", mounts, remote?.Blobs, fields.Errors, "give a file name, or end the path with '/' for a directory of images.")
            : MapDirectory(body, jobId, sprite is not null ? "storyboard.vtt" : mode == ThumbnailMode.Sequence ? $"frame_0001.{format}" : $"thumb_0001.{format}", fields);
        var options = shared.MapOptions(body, fields);
        if (errors.Any || input is null || output is null)
        {
            return (null, errors);
        }

        var spec = new ThumbnailSpec(mode, time, count, interval, width, format, sprite, fps) { ToFile = fileFormat is not null, Height = height, Quality = quality };
        return (options.Envelope(new ThumbnailsSpec(input, new OutputSpec(output, format, null, null), spec), shared.SealedOrNull), errors);
    }

    private static SpriteLayout? MapSprite(JsonElement body, ThumbnailMode mode, JsonFields fields)
    {
        if (!body.TryGetProperty("sprite", out var sprite) || sprite.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (sprite.ValueKind != JsonValueKind.Object)
        {
            fields.Errors.Add("sprite", "Must be an object like { \"columns\": 5, \"rows\": 5 }.", InvalidRequest);
            return null;
        }

        fields.RejectUnknown(sprite, "sprite", InvalidRequest, "columns", "rows");
        var columns = fields.Int(sprite, "columns", "sprite", InvalidRequest, 1, 20) ?? 5;
        var rows = fields.Int(sprite, "rows", "sprite", InvalidRequest, 1, 20) ?? 5;
        if (mode == ThumbnailMode.One)
        {
            fields.Errors.Add("sprite", "Sprite sheets need a series: use mode 'count' or 'interval'.", InvalidRequest);
            return null;
        }

        return new SpriteLayout(columns, rows);
    }

    private string? MapDirectory(JsonElement body, string jobId, string fileName, JsonFields fields)
    {
        var directory = (fields.String(body, "output", string.Empty, InvalidOutput)?.Trim() ?? $"/{StorageMounts.DefaultMount}/output/{jobId}").TrimEnd('/');
        if (Core.Storage.Blobs.BlobAddress.LooksLikeOne(directory))
        {
            // An object prefix: checked for emptiness when the set is published (nothing stored is overwritten).
            return Jobs.OutputMapper.ObjectOutput(directory + "/" + fileName, "output", remote?.Blobs, fields.Errors);
        }

        if (!mounts.TryResolve(directory + "/" + fileName, out var resolved, out var error))
        {
            fields.Errors.Add("output", error, InvalidOutput);
            return null;
        }

        var physical = Path.GetDirectoryName(resolved!.PhysicalPath)!;
        if (File.Exists(physical) || (Directory.Exists(physical) && Directory.EnumerateFileSystemEntries(physical).Any()))
        {
            fields.Errors.Add("output", $"{directory} already exists; thumbnails go into a new directory so nothing stored is overwritten.", InvalidOutput);
            return null;
        }

        return resolved.VirtualPath;
    }
}

/// <summary>The thumbnails body, for the OpenAPI document.</summary>
public sealed record ThumbnailsRequest(string Input, string? Mode, JsonElement? Time, int? Count, double? Interval, double? Fps, int? Width, int? Height, string? Quality, string? Format, SpriteRequest? Sprite, string? Output, ConvertOptions? Options, string? Priority);

public sealed record SpriteRequest(int? Columns, int? Rows);
