using System.Text.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Storage;
using FfmpegApi.Endpoints.Presets;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Specs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// Wire → domain, once, at the edge: a convert body becomes a validated <see cref="JobSpec"/>, or a list of
/// field errors. Paths are checked against the storage sandbox here so a bad path never reaches a worker.
/// </summary>
public sealed class ConvertRequestMapper(StorageMounts mounts, JobOptions jobOptions, FfmpegCapabilities capabilities)
{
    private static readonly string[] TopLevel = ["input", "output", "operations", "options", "priority"];
    private static readonly string[] OptionFields = ["priority", "timeout_seconds"];
    private static readonly string[] Priorities = ["low", "normal", "high"];

    public (JobSpec? Spec, ValidationErrors Errors) Map(JsonElement body, string jobId)
    {
        var errors = new ValidationErrors();
        var fields = new JsonFields(errors);
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", "The request body must be a JSON object.", InvalidRequest);
            return (null, errors);
        }

        fields.RejectUnknown(body, string.Empty, InvalidRequest, TopLevel);
        if (!TryApplyPreset(ref body, fields))
        {
            return (null, errors);
        }

        var input = MapInput(body, fields);
        var operations = new OperationMapper(fields, mounts).Map(body, jobOptions.MaxOperations);
        var output = new OutputMapper(mounts, capabilities, fields).Map(body, jobId, operations);
        var (priority, timeout) = MapOptions(body, fields);
        if (input is not null && output is not null && input == output.Path)
        {
            errors.Add("output", "The output must not overwrite the input.", InvalidOutput);
        }

        if (errors.Any || input is null || output is null || operations is null)
        {
            return (null, errors);
        }

        return (new JobSpec(input, output, operations, priority, timeout), errors);
    }

    /// <summary>
    /// <c>output.preset</c> names a built-in preset: its output fields become defaults the job may override, and its
    /// operations run after the job's. The merged body is then validated like any other.
    /// </summary>
    private static bool TryApplyPreset(ref JsonElement body, JsonFields fields)
    {
        if (!body.TryGetProperty("output", out var output) || output.ValueKind != JsonValueKind.Object
            || !output.TryGetProperty("preset", out var presetName) || presetName.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        var names = PresetCatalog.All.Select(p => p.Name).ToArray();
        if (presetName.ValueKind != JsonValueKind.String || PresetCatalog.Find(presetName.GetString()!) is not { } preset)
        {
            var text = presetName.ValueKind == JsonValueKind.String ? presetName.GetString() : presetName.GetRawText();
            fields.Errors.Add("output.preset", $"Unknown preset '{text}'. Available: {string.Join(", ", names)} (GET /api/v1/presets).", InvalidOutput, text, names);
            return false;
        }

        var merged = PresetCatalog.Apply(JsonNode.Parse(body.GetRawText())!.AsObject(), preset);
        body = JsonSerializer.SerializeToElement(merged);
        return true;
    }

    private string? MapInput(JsonElement body, JsonFields fields) => MapExistingFile(body, "input", fields);

    /// <summary>An existing, non-empty media file inside a mount, given as a path string or <c>{ "path": … }</c>.</summary>
    internal string? MapExistingFile(JsonElement body, string name, JsonFields fields)
    {
        if (!body.TryGetProperty(name, out var input) || input.ValueKind == JsonValueKind.Null)
        {
            fields.Errors.Add(name, "Required: a path such as /storage/input/video.mp4.", InvalidInput);
            return null;
        }

        string? path;
        var field = name;
        if (input.ValueKind == JsonValueKind.Object)
        {
            fields.RejectUnknown(input, name, InvalidInput, "path");
            path = fields.String(input, "path", name, InvalidInput);
            field = $"{name}.path";
        }
        else
        {
            path = input.ValueKind == JsonValueKind.String ? input.GetString() : null;
        }

        if (string.IsNullOrWhiteSpace(path))
        {
            fields.Errors.Add(field, "Required: a path string or { \"path\": … }.", InvalidInput);
            return null;
        }

        if (!mounts.TryResolve(path, out var resolved, out var error))
        {
            fields.Errors.Add(field, error, InvalidInput);
            return null;
        }

        if (!File.Exists(resolved!.PhysicalPath))
        {
            fields.Errors.Add(field, $"Input file not found: {resolved.VirtualPath}", InvalidInput);
            return null;
        }

        // FIFOs and device nodes report size 0 (and would block or never end); an empty file is not media either.
        if (new FileInfo(resolved.PhysicalPath).Length == 0)
        {
            fields.Errors.Add(field, $"Input is empty or not a regular file: {resolved.VirtualPath}", InvalidInput);
            return null;
        }

        return resolved.VirtualPath;
    }

    internal (JobPriority Priority, int? Timeout) MapOptions(JsonElement body, JsonFields fields)
    {
        var priorityText = fields.String(body, "priority", string.Empty, InvalidRequest);
        int? timeout = null;
        if (body.TryGetProperty("options", out var options) && options.ValueKind != JsonValueKind.Null)
        {
            if (options.ValueKind != JsonValueKind.Object)
            {
                fields.Errors.Add("options", "Must be an object.", InvalidRequest);
                return (JobPriority.Normal, null);
            }

            fields.RejectUnknown(options, "options", InvalidRequest, OptionFields);
            priorityText = fields.String(options, "priority", "options", InvalidRequest) ?? priorityText;
            timeout = fields.Int(options, "timeout_seconds", "options", InvalidRequest, 1, jobOptions.MaxTimeoutSeconds);
        }

        var priority = priorityText?.ToLowerInvariant() switch
        {
            null or "normal" => JobPriority.Normal,
            "low" => JobPriority.Low,
            "high" => JobPriority.High,
            _ => (JobPriority?)null,
        };
        if (priority is null)
        {
            fields.Errors.Add("options.priority", "Must be one of: low, normal, high.", InvalidRequest, priorityText, Priorities);
        }

        return (priority ?? JobPriority.Normal, timeout);
    }
}
