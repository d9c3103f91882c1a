using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
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
        api.MapJobSubmission<AnalyzeRequest>("/analyze", "Analyze", "Submit a quality analysis job (VMAF, PSNR, SSIM of the input against a reference)", Mapper);
        return api;
    }

    /// <summary>An analyze body → spec (also used for <c>type: analyze</c> in a batch).</summary>
    public static readonly JobBodyMapper Mapper = async (m, body, id) =>
        new AnalyzeRequestMapper(m.Mounts, m.Jobs, await m.Tools.GetCapabilitiesAsync(), (await m.Cluster.AvailableAsync()).HasFlag(WorkerCapability.Vmaf), m.Remote).Map(body, id);
}

/// <summary>The analyze body, for the OpenAPI document (the handler maps raw JSON to name every bad field).</summary>
public sealed record AnalyzeRequest(string Input, string Reference, IReadOnlyList<string>? Metrics, int? NSubsample, bool? PerFrame, string? Output, ConvertOptions? Options, string? Priority);
