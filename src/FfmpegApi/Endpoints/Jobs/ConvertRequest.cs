using System.Text.Json;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// The body of <c>POST /api/v1/convert</c> (the original API's shape). <c>input</c> is a path string or
/// <c>{ "path": … }</c>; <c>output</c> is a format (<c>"mp4"</c>), a path, or an object. Parsed by
/// <see cref="ConvertRequestMapper"/> from raw JSON so every mistake can be named precisely.
/// </summary>
public sealed record ConvertRequest(
    JsonElement Input,
    JsonElement Output,
    IReadOnlyList<OperationRequest>? Operations,
    ConvertOptions? Options,
    string? Priority);

/// <summary>An operation: <c>{ "type": "trim", "start": 1, "duration": 5 }</c> or <c>{ "type": "scale", "width": 1280, "height": 720 }</c>.</summary>
public sealed record OperationRequest(
    string Type,
    JsonElement? Start,
    JsonElement? Duration,
    JsonElement? End,
    int? Width,
    int? Height,
    string? Resolution);

public sealed record ConvertOptions(string? Priority, int? TimeoutSeconds);

/// <summary>The object form of <c>output</c>.</summary>
public sealed record OutputRequest(string? Path, string? Format, VideoRequest? Video, AudioRequest? Audio);

public sealed record VideoRequest(string? Codec, string? Preset, int? Crf, string? Bitrate, string? Resolution, double? Fps);

public sealed record AudioRequest(string? Codec, string? Bitrate, int? Channels, int? SampleRate);
