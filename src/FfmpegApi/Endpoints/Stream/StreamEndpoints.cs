using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Storage;
using FfmpegApi.Endpoints.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Stream;

public static class StreamEndpoints
{
    public static RouteGroupBuilder MapStream(this RouteGroupBuilder api)
    {
        api.MapJobSubmission<StreamRequest>("/stream", "Stream", "Submit an adaptive-streaming package job (HLS or DASH ladder)", Mapper);
        return api;
    }

    /// <summary>A stream body → spec (also used for <c>type: stream</c> in a batch).</summary>
    public static readonly JobBodyMapper Mapper = async (m, body, id) =>
        new StreamRequestMapper(m.Mounts, m.Jobs, await m.Tools.GetCapabilitiesAsync(), m.Remote)
        {
            VmafProblem = body.ValueKind == System.Text.Json.JsonValueKind.Object && body.TryGetProperty("target_quality", out _) ? await m.VmafProblemAsync() : null,
        }.Map(body, id);
}

/// <summary>The stream body, for the OpenAPI document (the handler maps raw JSON to name every bad field).</summary>
public sealed record StreamRequest(
    string Input,
    string? Output,
    string? Type,
    IReadOnlyList<StreamVariantRequest>? Variants,
    double? SegmentDuration,
    string? SegmentType,
    string? AudioBitrate,
    System.Text.Json.JsonElement? Thumbnails,
    double? TargetQuality,
    ConvertOptions? Options,
    string? Priority);

public sealed record StreamVariantRequest(string Resolution, string? Bitrate, string? Name = null);
