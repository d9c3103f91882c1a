using System.Text.Json;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Net;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Queue;
using FfmpegApi.Core.Storage;
using FfmpegApi.Errors;
using FfmpegApi.Media.Specs;
using FfmpegApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Jobs;

public static class ConvertEndpoints
{
    /// <summary>JSON job bodies are small; anything larger is refused with 413 before it is read.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    public static RouteGroupBuilder MapConvert(this RouteGroupBuilder api)
    {
        api.MapJobSubmission<ConvertRequest>("/convert", "Convert", "Submit a conversion job", Mapper);
        return api;
    }

    /// <summary>A convert body → spec (also used for <c>type: convert</c> in a batch).</summary>
    public static readonly JobBodyMapper Mapper = async (m, body, id) =>
    {
        if (Requests.Operations.ThumbnailJobs.Is(body, out var thumbnail))
        {
            // The original's thumbnail operations: a thumbnails job.
            return await Requests.Operations.ThumbnailJobs.MapAsync(body, thumbnail, request => Thumbnails.ThumbnailsEndpoints.Mapper(m, request, id));
        }

        return new ConvertRequestMapper(m.Mounts, m.Jobs, await m.Tools.GetCapabilitiesAsync(), m.Remote)
        {
            // The cluster is asked only when the body names a vendor: no extra query on ordinary submits.
            HardwareProblem = NamesHardware(body) ? await m.Cluster.HardwareCheckAsync() : null,
            UpscaleModels = m.Upscale.Resolve,
            VmafProblem = body.ValueKind == JsonValueKind.Object && body.GetRawText().Contains("target_vmaf", StringComparison.Ordinal) ? await m.VmafProblemAsync() : null,
        }.Map(body, id);
    };

    /// <summary>Whether <c>options.hardware_acceleration</c> is a string other than auto/none (then the cluster must offer it).</summary>
    private static bool NamesHardware(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("options", out var options) && options.ValueKind == JsonValueKind.Object
        && options.TryGetProperty("hardware_acceleration", out var mode) && mode.ValueKind == JsonValueKind.String
        && mode.GetString()!.Trim().ToLowerInvariant() is not ("auto" or "none" or "software");

    /// <summary>
    /// A job-creating POST: the body is read as raw JSON and mapped by <paramref name="map"/> (so every mistake is named),
    /// then queued by <see cref="JobSubmitter"/>. <typeparamref name="TRequest"/> documents the body in OpenAPI.
    /// </summary>
    public static RouteHandlerBuilder MapJobSubmission<TRequest>(this RouteGroupBuilder api, string pattern, string name, string summary, JobBodyMapper map)
        where TRequest : notnull =>
        api.MapPost(pattern, (HttpContext context, JobSubmitter submitter, StorageMounts mounts, FfmpegTools tools, ClusterCapabilities cluster, InputSources remote, Core.Upscaling.UpscaleModels upscale, IOptions<JobOptions> jobOptions, CancellationToken cancellationToken) =>
                submitter.SubmitAsync(context, (body, id) => map(new JobMapping(mounts, jobOptions.Value, tools, cluster, remote, upscale), body, id), cancellationToken))
            .WithName(name)
            .WithSummary(summary)
            .Accepts<TRequest>("application/json")
            .Produces<JobCreatedResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
}

/// <summary>What a job body mapper may use: the storage sandbox, job settings, the installed ffmpeg, what the cluster's workers can run and the upscale models.</summary>
public sealed record JobMapping(StorageMounts Mounts, JobOptions Jobs, FfmpegTools Tools, ClusterCapabilities Cluster, InputSources Remote, Core.Upscaling.UpscaleModels Upscale)
{
    /// <summary>Why no process of the cluster can compute VMAF (null: one can), for requests with a quality target.</summary>
    public async Task<string?> VmafProblemAsync() =>
        (await Cluster.AvailableAsync()).HasFlag(WorkerCapability.Vmaf) ? null : "no worker has a libvmaf ffmpeg and the VMAF model (Ffmpeg:VmafFfmpegPath; see docs/quality.md)";
}

/// <summary>Raw JSON body + the new job's id → a spec, or the field errors.</summary>
public delegate Task<(JobEnvelope? Envelope, ValidationErrors Errors)> JobBodyMapper(JobMapping mapping, JsonElement body, string jobId);
