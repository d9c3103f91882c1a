using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Media.Specs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Requests.Operations;

/// <summary>
/// The original API's <c>transcode</c> operation: the output's encoding given as an operation. Its codec, preset, crf
/// and bitrates become the output's <c>video</c> and <c>audio</c> settings (checked there, against the container and
/// this ffmpeg), <c>format</c> the output's container, and <c>width</c>/<c>height</c>/<c>fps</c> a scale (exact when
/// both sides are given, as the original's <c>scale=w:h</c>) and an fps operation at its place in the list.
/// </summary>
public sealed record Transcode : Operation
{
    [Description("h264, h265, hevc, vp8, vp9, av1, libx264, libx265, copy, or any video codec of GET /capabilities.")]
    public string? VideoCodec { get; init; }

    [Description("aac, mp3, opus, vorbis, ac3, libfdk_aac, copy, or any audio codec of GET /capabilities.")]
    public string? AudioCodec { get; init; }

    [Description("x264/x265 preset, e.g. veryfast.")]
    public string? Preset { get; init; }

    public WireBitrate? VideoBitrate { get; init; }

    public WireBitrate? AudioBitrate { get; init; }

    [Range(2, Resolution.MaxSide)]
    public int? Width { get; init; }

    [Range(2, Resolution.MaxSide)]
    public int? Height { get; init; }

    [Range(1d, 240d)]
    public double? Fps { get; init; }

    [Range(0, 63)]
    public int? Crf { get; init; }

    [Description("The output's container, when the output does not say.")]
    public string? Format { get; init; }

    /// <summary>Not one spec: <see cref="OperationsReader"/> takes <see cref="PictureOperations"/> and <see cref="MergeInto"/> instead.</summary>
    internal override OperationSpec? ToSpec(OperationScope scope) => null;

    /// <summary>The scale and frame-rate change it asks for, in that order.</summary>
    internal IEnumerable<OperationSpec> PictureOperations()
    {
        if (Width is not null || Height is not null)
        {
            yield return new ScaleOperation(Width, Height, Width is not null && Height is not null ? ScaleFit.Stretch : ScaleFit.Contain, AllowUpscale: true);
        }

        if (Fps is { } fps)
        {
            yield return new FpsOperation(fps);
        }
    }

    /// <summary>
    /// <paramref name="body"/> with the transcodes' settings in its <c>output</c> (a string output becomes the object it
    /// means); a setting the output already gives differently is a mistake named on the operation's field.
    /// </summary>
    internal static JsonElement MergeInto(JsonElement body, IReadOnlyList<(string Path, Transcode Operation)> transcodes, ValidationErrors errors)
    {
        var root = JsonNode.Parse(body.GetRawText())!.AsObject();
        if (root["outputs"] is not null)
        {
            errors.Add(transcodes[0].Path, "A transcode sets the encoding of the one output; with 'outputs', give each output its own 'video' and 'audio'.", InvalidOperation);
            return body;
        }

        var output = root["output"] switch
        {
            JsonValue text when text.TryGetValue<string>(out var s) => s.TrimStart().StartsWith('/') ? new JsonObject { ["path"] = s } : new JsonObject { ["format"] = s },
            JsonObject obj => obj,
            _ => null,
        };
        if (output is null)
        {
            return body;
        }

        root["output"] = output;
        foreach (var (path, transcode) in transcodes)
        {
            Set(output, null, "format", transcode.Format, path, "format", errors);
            Set(output, "video", "codec", transcode.VideoCodec, path, "video_codec", errors);
            Set(output, "video", "preset", transcode.Preset, path, "preset", errors);
            Set(output, "video", "crf", transcode.Crf, path, "crf", errors);
            Set(output, "video", "bitrate", transcode.VideoBitrate?.Text, path, "video_bitrate", errors);
            Set(output, "audio", "codec", transcode.AudioCodec, path, "audio_codec", errors);
            Set(output, "audio", "bitrate", transcode.AudioBitrate?.Text, path, "audio_bitrate", errors);
        }

        return JsonSerializer.SerializeToElement(root, JsonDefaults.Options);
    }

    private static void Set<T>(JsonObject output, string? section, string name, T? value, string path, string field, ValidationErrors errors)
    {
        if (value is null)
        {
            return;
        }

        JsonObject target;
        if (section is null)
        {
            target = output;
        }
        else if (output[section] is JsonObject existing)
        {
            target = existing;
        }
        else if (output[section] is null)
        {
            output[section] = target = [];
        }
        else
        {
            errors.Add($"output.{section}", "Must be an object.", InvalidOutput);
            return;
        }

        var wanted = JsonValue.Create(value);
        if (target[name] is { } given && !JsonNode.DeepEquals(given, wanted))
        {
            var where = section is null ? $"output.{name}" : $"output.{section}.{name}";
            errors.Add(JsonFields.Join(path, field), $"Conflicts with {where} ({given.ToJsonString()}); give it once.", InvalidOperation);
            return;
        }

        target[name] = wanted;
    }
}
