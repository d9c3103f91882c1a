using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Processing;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Specs;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Capabilities;

public static class CapabilitiesEndpoints
{
    /// <summary>Readable without a key, as in the original API, unless <c>Api:CapabilitiesRequireKey</c> is true.</summary>
    public static RouteGroupBuilder MapCapabilities(this RouteGroupBuilder api, bool requireKey)
    {
        var endpoint = api.MapGet("/capabilities", GetAsync).WithName("GetCapabilities").WithTags("System")
            .WithSummary("What the installed ffmpeg can do, and which formats/codecs jobs may use");
        if (!requireKey)
        {
            endpoint.AllowAnonymous();
        }

        return api;
    }

    internal static async Task<CapabilitiesResponse> GetAsync(FfmpegTools tools, IOptions<JobOptions> jobs, IOptions<WorkerOptions> workers)
    {
        var caps = await tools.GetCapabilitiesAsync();
        static IReadOnlyList<string> Usable(IReadOnlyDictionary<string, string[]> table, FfmpegCapabilities caps) =>
            [.. table.Where(e => e.Value.Any(caps.HasEncoder)).Select(e => e.Key), "copy"];

        return new CapabilitiesResponse(
            caps.Version,
            new FeaturesView("v1", jobs.Value.MaxTimeoutSeconds, workers.Value.EffectiveConcurrency, jobs.Value.MaxOperations),
            new FormatsView(
                caps.Demuxers,
                FormatCatalog.Containers.Keys.ToList(),
                Usable(FormatCatalog.VideoEncoders, caps),
                Usable(FormatCatalog.AudioEncoders, caps)),
            ["trim", "scale"],
            caps.Encoders,
            caps.Decoders,
            caps.Filters,
            caps.HwAccels);
    }
}

public sealed record CapabilitiesResponse(
    string Version,
    FeaturesView Features,
    FormatsView Formats,
    IReadOnlyList<string> Operations,
    IReadOnlyList<CodecEntry> Encoders,
    IReadOnlyList<CodecEntry> Decoders,
    IReadOnlyList<string> Filters,
    IReadOnlyList<string> Hwaccels);

public sealed record FeaturesView(string ApiVersion, int MaxJobDuration, int ConcurrentJobs, int MaxOperations);

/// <summary><c>input</c>: every demuxer; <c>output</c>: the containers and codecs a job may ask for here.</summary>
public sealed record FormatsView(IReadOnlyList<string> Input, IReadOnlyList<string> OutputContainers, IReadOnlyList<string> VideoCodecs, IReadOnlyList<string> AudioCodecs);
