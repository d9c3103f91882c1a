using System.Text.Json;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Storage;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Errors;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Estimation;
using FfmpegApi.Media.Specs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Estimate;

public static class EstimateEndpoints
{
    /// <summary>How many recent finished jobs feed the speed history.</summary>
    public const int HistorySize = 500;

    public static RouteGroupBuilder MapEstimate(this RouteGroupBuilder api)
    {
        api.MapPost("/estimate", EstimateAsync)
            .WithName("Estimate")
            .WithSummary("Estimate processing time, output size and resources for a convert body, without running it")
            .Accepts<ConvertRequest>("application/json")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .WithMetadata(new RequestSizeLimitAttribute(ConvertEndpoints.MaxBodyBytes));
        return api;
    }

    internal static async Task<Results<Ok<EstimateResponse>, ProblemHttpResult>> EstimateAsync(
        HttpContext context,
        AppDbContext db,
        StorageMounts mounts,
        FfmpegTools tools,
        IOptions<JobOptions> jobOptions,
        IOptions<WorkerOptions> workerOptions,
        CancellationToken cancellationToken)
    {
        var mapper = new ConvertRequestMapper(mounts, jobOptions.Value, await tools.GetCapabilitiesAsync());
        var (envelope, problem) = await JobSubmitter.ReadSpecAsync(context, body => Task.FromResult(mapper.Map(body, "estimate")), cancellationToken);
        if (envelope?.Spec is not ConvertSpec spec)
        {
            return problem!;
        }

        mounts.TryResolve(spec.Input, out var input, out _);
        var (info, error) = await tools.ProbeAsync(input!.PhysicalPath, cancellationToken);
        if (info is null)
        {
            return ApiProblem.Create(context, 422, ErrorCodes.InvalidInput, "input: " + mounts.Sanitize(InputRefusal.Explain("the file", error)), new Dictionary<string, string[]> { ["input"] = [mounts.Sanitize(InputRefusal.Explain("The file", error))] });
        }

        var estimate = Estimator.For(spec, info, await HistoryAsync(db, cancellationToken));
        var cores = Math.Max(1, Environment.ProcessorCount / workerOptions.Value.EffectiveConcurrency);
        var pixels = (estimate.Width ?? 0) * (long)(estimate.Height ?? 0);
        return TypedResults.Ok(new EstimateResponse(
            new EstimatedView(estimate.ProcessingSeconds, estimate.OutputSizeBytes, estimate.OutputDurationSeconds),
            new ResourcesView(cores, 200 + (pixels * 4 * 60 / 1_000_000), estimate.OutputSizeBytes is { } s ? (long)(s * 1.1) : null),
            new BasisView(estimate.SpeedXRealtime, estimate.SpeedSource, estimate.Samples),
            new EstimatedOutputView(spec.Output.Format, estimate.Width, estimate.Height, estimate.VideoBitrateBps, estimate.AudioBitrateBps)));
    }

    /// <summary>Measured speeds of recent finished conversions on this deployment (numbers only; no tenant data).</summary>
    private static async Task<List<SpeedSample>> HistoryAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.Jobs.AsNoTracking()
            .Where(j => j.Status == JobStatus.Completed && j.Speed != null && j.OutputJson != null && j.ResultJson == null)
            .OrderByDescending(j => j.CompletedAt)
            .Take(HistorySize)
            .Select(j => new { j.SpecJson, j.OutputJson, j.Speed })
            .ToListAsync(cancellationToken);
        var samples = new List<SpeedSample>(rows.Count);
        foreach (var row in rows)
        {
            var spec = JobDocuments.ReadSpec(row.SpecJson);
            var output = JsonSerializer.Deserialize<OutputMetadata>(row.OutputJson!, JsonDefaults.Options);
            if (spec?.Output.Video is { } video && output?.Height is { } height)
            {
                samples.Add(new SpeedSample(video.Codec, video.Preset ?? "medium", height, row.Speed!.Value));
            }
        }

        return samples;
    }
}

/// <summary>The original's estimate shape (<c>estimated</c>, <c>resources</c>) plus what the guess rests on.</summary>
public sealed record EstimateResponse(EstimatedView Estimated, ResourcesView Resources, BasisView Basis, EstimatedOutputView Output);

/// <summary><c>duration_seconds</c> is processing time; <c>output_duration_seconds</c> the output's length.</summary>
public sealed record EstimatedView(double? DurationSeconds, long? OutputSizeBytes, double? OutputDurationSeconds);

public sealed record ResourcesView(int CpuCores, long MemoryMb, long? DiskBytes);

public sealed record BasisView(double SpeedXRealtime, string SpeedSource, int Samples);

public sealed record EstimatedOutputView(string Format, int? Width, int? Height, long? VideoBitrate, long? AudioBitrate);
