using System.Text.Json;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// The body of <c>POST /api/v1/convert</c> (the original API's shape). <c>input</c> is a path string or
/// <c>{ "path": … }</c>; <c>output</c> is a format (<c>"mp4"</c>), a path, or an object. Parsed by
/// <see cref="ConvertRequestMapper"/> from raw JSON so every mistake can be named precisely.
/// </summary>
public sealed record ConvertRequest(
    JsonElement Input,
    JsonElement? Output,
    IReadOnlyList<JsonElement>? Outputs,
    IReadOnlyList<Requests.Operations.Operation>? Operations,
    ConvertOptions? Options,
    string? Priority);

public sealed record ConvertOptions(string? Priority, int? TimeoutSeconds);

/// <summary>The object form of <c>output</c>.</summary>
public sealed record OutputRequest(string? Path, string? Format, string? Preset, VideoRequest? Video, AudioRequest? Audio);

public sealed record VideoRequest(
    string? Codec,
    string? Preset,
    int? Crf,
    string? Bitrate,
    string? Resolution,
    double? Fps,
    string? MaxBitrate,
    string? BufferSize,
    string? Tune,
    string? Profile,
    string? Level,
    string? PixelFormat,
    int? Gop,
    double? KeyframeInterval,
    bool? TwoPass);

public sealed record AudioRequest(string? Codec, string? Bitrate, int? Channels, int? SampleRate);
