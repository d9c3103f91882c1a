using System.Text.Json;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Media.Analysis;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Specs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Analyze;

/// <summary>
/// The original's analyze body (<c>input</c>, <c>reference</c>, <c>metrics</c>) plus <c>n_subsample</c> and
/// <c>per_frame</c>. The job's output is a JSON report (<c>/storage/output/{id}.analysis.json</c> unless given). Without a
/// <c>reference</c> (and then without <c>metrics</c>), the report holds the input's facts alone, as the original's did.
/// </summary>
public sealed class AnalyzeRequestMapper(StorageMounts mounts, JobOptions jobOptions, FfmpegCapabilities capabilities, bool vmafAvailable, InputSources? remote = null)
{
    private static readonly string[] TopLevel = ["input", "reference", "metrics", "n_subsample", "per_frame", "output", "options", "priority", .. ConvertRequestMapper.WebhookFields];

    /// <summary>Metrics this server can compute: psnr/ssim with the main ffmpeg's filters, vmaf with a libvmaf build.</summary>
    public IReadOnlyList<string> Available =>
        [.. AnalysisSpec.Known.Where(m => m == "vmaf" ? vmafAvailable : capabilities.Filters.Count == 0 || capabilities.Filters.Contains(m))];

    public (JobEnvelope? Envelope, ValidationErrors Errors) Map(JsonElement body, string jobId)
    {
        var fields = JsonFields.ForBody(body, TopLevel, out var isObject);
        var errors = fields.Errors;
        if (!isObject)
        {
            return (null, errors);
        }

        var files = new ConvertRequestMapper(mounts, jobOptions, capabilities, remote);
        var input = files.MapExistingFile(body, "input", fields);
        var compared = body.TryGetProperty("reference", out var given) && given.ValueKind != JsonValueKind.Null;
        var reference = compared ? files.MapExistingFile(body, "reference", fields) : null;
        var metrics = compared ? MapMetrics(body, fields) : NoMetrics(body, fields);
        var subsample = fields.Int(body, "n_subsample", string.Empty, InvalidRequest, 1, 100) ?? 1;
        var perFrame = body.TryGetProperty("per_frame", out var pf) && pf.ValueKind == JsonValueKind.True;
        if (body.TryGetProperty("per_frame", out pf) && pf.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
        {
            errors.Add("per_frame", "Must be true or false.", InvalidRequest);
        }

        var output = MapReportPath(body, jobId, fields);
        var options = files.MapOptions(body, fields);
        if (errors.Any || input is null || (compared && reference is null) || metrics is null || output is null)
        {
            return (null, errors);
        }

        var spec = new AnalyzeSpec(input, new OutputSpec(output, "json", null, null), new AnalysisSpec(reference, metrics, subsample, perFrame));
        return (options.Envelope(spec, files.SealedOrNull), errors);
    }

    /// <summary>Without a reference there is nothing to compare: metrics asked for then are a mistake worth naming.</summary>
    private static List<string>? NoMetrics(JsonElement body, JsonFields fields)
    {
        if (body.TryGetProperty("metrics", out var metrics) && metrics.ValueKind is not JsonValueKind.Null && !(metrics.ValueKind == JsonValueKind.Array && metrics.GetArrayLength() == 0))
        {
            fields.Errors.Add("reference", $"Required for metrics ({string.Join(", ", AnalysisSpec.Known)} compare the input against a reference): give a reference, or leave metrics out for the input's facts alone (duration, resolution, bit rate, codecs).", InvalidInput);
            return null;
        }

        return [];
    }

    private List<string>? MapMetrics(JsonElement body, JsonFields fields)
    {
        if (!body.TryGetProperty("metrics", out var metrics) || metrics.ValueKind == JsonValueKind.Null)
        {
            return [.. Available];
        }

        if (metrics.ValueKind != JsonValueKind.Array || metrics.GetArrayLength() == 0)
        {
            fields.Errors.Add("metrics", $"Must be a non-empty array of: {string.Join(", ", AnalysisSpec.Known)}.", InvalidRequest);
            return null;
        }

        var result = new List<string>();
        foreach (var item in metrics.EnumerateArray())
        {
            var name = item.ValueKind == JsonValueKind.String ? item.GetString()!.Trim().ToLowerInvariant() : item.GetRawText();
            if (Array.IndexOf(AnalysisSpec.Known, name) < 0)
            {
                fields.Errors.Add("metrics", $"Unknown metric '{name}'. Known: {string.Join(", ", AnalysisSpec.Known)}.", InvalidRequest, name, AnalysisSpec.Known);
                return null;
            }

            if (!Available.Contains(name))
            {
                fields.Errors.Add("metrics", $"'{name}' is not available on this server: {(name == "vmaf" ? "no ffmpeg with libvmaf was found (see docs/configuration.md, Ffmpeg:VmafFfmpegPath)" : "the installed ffmpeg lacks the filter")}. Available: {string.Join(", ", Available)}.", InsufficientResources, name, Available);
                return null;
            }

            if (!result.Contains(name))
            {
                result.Add(name);
            }
        }

        return result;
    }

    private string? MapReportPath(JsonElement body, string jobId, JsonFields fields)
    {
        var path = fields.String(body, "output", string.Empty, InvalidOutput) ?? $"/{StorageMounts.DefaultMount}/output/{jobId}.analysis.json";
        if (!path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            fields.Errors.Add("output", "The report is JSON: give a path ending in .json.", InvalidOutput);
            return null;
        }

        if (Core.Storage.Blobs.BlobAddress.LooksLikeOne(path))
        {
            return Jobs.OutputMapper.ObjectOutput(path, "output", remote?.Blobs, fields.Errors);
        }

        if (!mounts.TryResolve(path, out var resolved, out var error))
        {
            fields.Errors.Add("output", error, InvalidOutput);
            return null;
        }

        return resolved!.VirtualPath;
    }
}
