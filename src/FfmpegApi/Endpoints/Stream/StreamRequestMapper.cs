using System.Text.Json;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Specs;
using FfmpegApi.Media.Streaming;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Stream;

/// <summary>
/// The original's stream body (<c>input</c>, <c>output</c>, <c>type</c>, <c>variants[{resolution, bitrate}]</c>,
/// <c>segment_duration</c>) plus <c>segment_type</c> and <c>audio_bitrate</c>. The output is a package directory.
/// </summary>
public sealed class StreamRequestMapper(StorageMounts mounts, JobOptions jobOptions, FfmpegCapabilities capabilities, InputSources? remote = null)
{
    public const int MaxVariants = 8;
    private static readonly string[] TopLevel = ["input", "output", "type", "variants", "segment_duration", "segment_type", "audio_bitrate", "thumbnails", "target_quality", "options", "priority", .. ConvertRequestMapper.WebhookFields];
    private static readonly string[] Types = ["hls", "dash"];
    private static readonly string[] SegmentTypes = ["ts", "fmp4"];

    /// <summary>Why VMAF cannot run in this cluster (null: a worker has it); needed by <c>target_quality</c>.</summary>
    public string? VmafProblem { get; init; } = "VMAF availability was not checked";

    public (JobEnvelope? Envelope, ValidationErrors Errors) Map(JsonElement body, string jobId)
    {
        var fields = JsonFields.ForBody(body, TopLevel, out var isObject);
        var errors = fields.Errors;
        if (!isObject)
        {
            return (null, errors);
        }

        var shared = new ConvertRequestMapper(mounts, jobOptions, capabilities, remote);
        var input = shared.MapExistingFile(body, "input", fields, "audio_track");
        var audioTrack = InputFields.AudioTrack(body, fields);
        var type = Choice(body, "type", Types, fields) ?? "hls";
        var format = type == "dash" ? StreamingFormat.Dash : StreamingFormat.Hls;
        var segmentType = Choice(body, "segment_type", SegmentTypes, fields);
        if (format == StreamingFormat.Dash && segmentType == "ts")
        {
            errors.Add("segment_type", "DASH segments are fragmented MP4 (CMAF); 'ts' is for HLS only.", InvalidRequest);
        }

        var segment = fields.Number(body, "segment_duration", string.Empty, InvalidRequest, 1, 30) ?? 6;
        var audioBitrate = BitrateOf(fields.String(body, "audio_bitrate", string.Empty, InvalidRequest), "audio_bitrate", fields) ?? 128_000;
        var variants = MapVariants(body, fields);
        var manifest = MapManifest(body, jobId, format, fields);
        var thumbnails = MapThumbnails(body, fields);
        var target = fields.Number(body, "target_quality", string.Empty, InvalidRequest, 20, 99);
        if (target is not null && VmafProblem is { } vmaf)
        {
            errors.Add("target_quality", $"A per-title ladder needs VMAF, which this server cannot compute: {vmaf}.", InsufficientResources);
        }
        var options = shared.MapOptions(body, fields);
        if (capabilities.Encoders.Count > 0 && !capabilities.HasEncoder("libx264"))
        {
            errors.Add("type", "This server's ffmpeg has no H.264 encoder (libx264), which packaging needs.", InsufficientResources);
        }

        if (errors.Any || input is null || manifest is null)
        {
            return (null, errors);
        }

        var streaming = new StreamingSpec(format, variants, segment, segmentType == "fmp4" || format == StreamingFormat.Dash ? SegmentContainer.Fmp4 : SegmentContainer.Ts, audioBitrate)
        {
            Thumbnails = thumbnails,
            TargetVmaf = target,
        };
        return (options.Envelope(new StreamSpec(input, new OutputSpec(manifest, type, null, null), streaming) { AudioTrack = audioTrack }, shared.SealedOrNull), errors);
    }

    private static List<RenditionRequest>? MapVariants(JsonElement body, JsonFields fields)
    {
        if (!body.TryGetProperty("variants", out var variants) || variants.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (variants.ValueKind != JsonValueKind.Array || variants.GetArrayLength() is 0 or > MaxVariants)
        {
            fields.Errors.Add("variants", $"Must be an array of 1 to {MaxVariants} variants like {{\"resolution\":\"720p\",\"bitrate\":\"2800k\"}} (or leave it out for an automatic ladder).", InvalidRequest);
            return null;
        }

        var result = new List<RenditionRequest>();
        var index = 0;
        foreach (var variant in variants.EnumerateArray())
        {
            var path = $"variants[{index++}]";
            if (variant.ValueKind != JsonValueKind.Object)
            {
                fields.Errors.Add(path, "Must be an object with 'resolution' and optional 'bitrate'.", InvalidRequest);
                continue;
            }

            fields.RejectUnknown(variant, path, InvalidRequest, "resolution", "bitrate", "name");
            var resolution = fields.String(variant, "resolution", path, InvalidRequest);
            if (resolution is null || !Resolution.TryParse(resolution, out _, out var height))
            {
                fields.Errors.Add($"{path}.resolution", "Required: like 1080p, 720p or 1280x720.", InvalidRequest, resolution);
                continue;
            }

            var bitrate = BitrateOf(fields.String(variant, "bitrate", path, InvalidRequest), $"{path}.bitrate", fields);
            var name = fields.String(variant, "name", path, InvalidRequest)?.Trim();
            if (name is not null && (name.Length is 0 or > 32 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
            {
                fields.Errors.Add($"{path}.name", "Must be 1 to 32 letters, digits, '_' or '-' (it names the rendition's playlist directory).", InvalidRequest, name);
                continue;
            }

            if (name is not null && result.Any(r => r.Name == name))
            {
                fields.Errors.Add($"{path}.name", $"Two variants are named '{name}'.", InvalidRequest, name);
                continue;
            }

            result.Add(new RenditionRequest(height, bitrate) { Name = name });
        }

        return result;
    }

    /// <summary><c>thumbnails</c>: <c>true</c> for the defaults, or <c>{ "interval": 5, "width": 160 }</c>.</summary>
    private static ThumbnailTrack? MapThumbnails(JsonElement body, JsonFields fields)
    {
        if (!body.TryGetProperty("thumbnails", out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.False)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.True)
        {
            return new ThumbnailTrack();
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            fields.Errors.Add("thumbnails", "Must be true or an object like { \"interval\": 5, \"width\": 160 }.", InvalidRequest);
            return null;
        }

        fields.RejectUnknown(value, "thumbnails", InvalidRequest, "interval", "width");
        var interval = fields.Number(value, "interval", "thumbnails", InvalidRequest, 0.5, 600) ?? 5;
        var width = fields.Int(value, "width", "thumbnails", InvalidRequest, 32, 640) ?? 160;
        return new ThumbnailTrack(interval, width);
    }

    private string? MapManifest(JsonElement body, string jobId, StreamingFormat format, JsonFields fields)
    {
        var expected = format == StreamingFormat.Hls ? ".m3u8" : ".mpd";
        var defaultName = format == StreamingFormat.Hls ? PackagingStep.HlsMaster : PackagingStep.DashManifest;
        var path = fields.String(body, "output", string.Empty, InvalidOutput)?.Trim() ?? $"/{StorageMounts.DefaultMount}/output/{jobId}/";
        var extension = Path.GetExtension(path);
        if (extension is ".m3u8" or ".mpd" && extension != expected)
        {
            fields.Errors.Add("output", $"A {format.ToString().ToUpperInvariant()} package's manifest ends in {expected}.", InvalidOutput, path);
            return null;
        }

        if (extension != expected)
        {
            // A directory: the master playlist/manifest goes inside it.
            path = path.TrimEnd('/') + "/" + defaultName;
        }

        if (BlobAddress.LooksLikeOne(path))
        {
            // An object prefix: checked for emptiness when the package is published (nothing stored is overwritten).
            return Jobs.OutputMapper.ObjectOutput(path, "output", remote?.Blobs, fields.Errors);
        }

        if (!mounts.TryResolve(path, out var resolved, out var error))
        {
            fields.Errors.Add("output", error, InvalidOutput);
            return null;
        }

        var directory = Path.GetDirectoryName(resolved!.PhysicalPath)!;
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            fields.Errors.Add("output", $"{Path.GetDirectoryName(resolved.VirtualPath)} already exists and is not empty; packages go into a new directory so nothing stored is overwritten.", InvalidOutput);
            return null;
        }

        if (File.Exists(directory))
        {
            fields.Errors.Add("output", "The package directory's name is taken by a file.", InvalidOutput);
            return null;
        }

        return resolved.VirtualPath;
    }

    private static string? Choice(JsonElement body, string name, string[] allowed, JsonFields fields)
    {
        var text = fields.String(body, name, string.Empty, InvalidRequest)?.Trim().ToLowerInvariant();
        if (text is not null && Array.IndexOf(allowed, text) < 0)
        {
            fields.Errors.Add(name, $"Must be one of: {string.Join(", ", allowed)}.", InvalidRequest, text, allowed);
            return null;
        }

        return text;
    }

    private static long? BitrateOf(string? text, string field, JsonFields fields)
    {
        if (text is null)
        {
            return null;
        }

        if (!Bitrate.TryParse(text, out var bps))
        {
            fields.Errors.Add(field, "Must look like 2800k or 5M.", InvalidRequest, text);
            return null;
        }

        return bps;
    }
}
