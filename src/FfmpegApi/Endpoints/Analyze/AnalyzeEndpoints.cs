using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Storage;
using FfmpegApi.Endpoints.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Analyze;

public static class AnalyzeEndpoints
{
    public static RouteGroupBuilder MapAnalyze(this RouteGroupBuilder api)
    {
        api.MapPost("/analyze", AnalyzeAsync)
            .WithName("Analyze")
            .WithSummary("Submit a quality analysis job (VMAF, PSNR, SSIM of the input against a reference)")
            .Accepts<AnalyzeRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .WithMetadata(new RequestSizeLimitAttribute(ConvertEndpoints.MaxBodyBytes));
        return api;
    }

    internal static Task<Results<Accepted<JobCreatedResponse>, ProblemHttpResult>> AnalyzeAsync(
        HttpContext context,
        JobSubmitter submitter,
        StorageMounts mounts,
        FfmpegTools tools,
        IOptions<JobOptions> jobOptions,
        CancellationToken cancellationToken) =>
        submitter.SubmitAsync(
            context,
            async (body, id) => new AnalyzeRequestMapper(mounts, jobOptions.Value, await tools.GetCapabilitiesAsync(), await tools.GetVmafFfmpegAsync() is not null && tools.VmafModelPath is not null).Map(body, id),
            cancellationToken);
}

/// <summary>The analyze body, for the OpenAPI document (the handler maps raw JSON to name every bad field).</summary>
public sealed record AnalyzeRequest(string Input, string Reference, IReadOnlyList<string>? Metrics, int? NSubsample, bool? PerFrame, string? Output, ConvertOptions? Options, string? Priority);
