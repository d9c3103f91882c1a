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
        api.MapPost("/stream", StreamAsync)
            .WithName("Stream")
            .WithSummary("Submit an adaptive-streaming package job (HLS or DASH ladder)")
            .Accepts<StreamRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .WithMetadata(new RequestSizeLimitAttribute(ConvertEndpoints.MaxBodyBytes));
        return api;
    }

    internal static Task<Results<Accepted<JobCreatedResponse>, ProblemHttpResult>> StreamAsync(
        HttpContext context,
        JobSubmitter submitter,
        StorageMounts mounts,
        FfmpegTools tools,
        IOptions<JobOptions> jobOptions,
        CancellationToken cancellationToken) =>
        submitter.SubmitAsync(
            context,
            async (body, id) => new StreamRequestMapper(mounts, jobOptions.Value, await tools.GetCapabilitiesAsync()).Map(body, id),
            cancellationToken);
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
    ConvertOptions? Options,
    string? Priority);

public sealed record StreamVariantRequest(string Resolution, string? Bitrate);
