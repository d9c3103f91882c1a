using System.Text.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Endpoints.Presets;
using FfmpegApi.Endpoints.Requests.Operations;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Hardware;
using FfmpegApi.Media.Specs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// Wire → domain, once, at the edge: a convert body becomes a validated <see cref="JobSpec"/>, or a list of
/// field errors. Paths are checked against the storage sandbox here so a bad path never reaches a worker.
/// </summary>
public sealed partial class ConvertRequestMapper(StorageMounts mounts, JobOptions jobOptions, FfmpegCapabilities capabilities, InputSources? remote = null)
{
    /// <summary>Outputs one job may write from one decode.</summary>
    public const int MaxOutputs = 10;

    /// <summary>The most attempts a client may ask for (<c>options.max_attempts</c>).</summary>
    public const int MaxAttemptsLimit = 10;

    /// <summary>The original's per-job webhook fields, accepted at the top level and inside <c>options</c>.</summary>
    internal static readonly string[] WebhookFields = ["webhook_url", "webhook_events"];

    private static readonly string[] TopLevel = ["input", "output", "outputs", "operations", "options", "priority", .. WebhookFields];
    private static readonly string[] OptionFields = ["priority", "timeout_seconds", "max_attempts", .. WebhookFields];
    private static readonly string[] HardwareFields = ["hardware_acceleration", "hardware_device", "input_access"];
    private static readonly string[] InputAccessModes = ["stage", "stream"];
    private static readonly string[] HardwareModes = ["auto", "none", "nvidia", "intel", "vaapi"];

    private static readonly string[] Priorities = ["low", "normal", "high"];

    /// <summary>Inline credentials met while mapping (address → sealed), for the spec's <c>SealedCredentials</c>.</summary>
    internal Dictionary<string, string> Sealed { get; } = new(StringComparer.Ordinal);

    /// <summary>What <see cref="Sealed"/> gives a spec: null when the body carried none.</summary>
    internal IReadOnlyDictionary<string, string>? SealedOrNull => Sealed.Count > 0 ? Sealed : null;

    /// <summary>Why a vendor cannot run jobs in this cluster (null: a worker offers it). Without it, named vendors are refused.</summary>
    public Func<HardwareVendor, string?>? HardwareProblem { get; init; }

    /// <summary>Why VMAF cannot run in this cluster (null: a worker has it), asked only when a body has a VMAF target.</summary>
    public string? VmafProblem { get; init; } = "VMAF availability was not checked";

    /// <summary>Resolves upscale models (null: upscale operations are refused).</summary>
    public UpscaleModelCheck? UpscaleModels { get; init; }

    public (JobEnvelope? Envelope, ValidationErrors Errors) Map(JsonElement body, string jobId)
    {
        var fields = JsonFields.ForBody(body, TopLevel, out var isObject);
        var errors = fields.Errors;
        if (!isObject)
        {
            return (null, errors);
        }

        if (!TryApplyPreset(ref body, fields))
        {
            return (null, errors);
        }

        var input = MapInput(body, fields);
        var audioTrack = InputFields.AudioTrack(body, fields);
        var reader = new OperationsReader(errors, new OperationFiles(mounts, jobOptions.MaxInputBytes), UpscaleModels);
        var operations = reader.Read(body, jobOptions.MaxOperations);
        body = reader.Transcodes.Count > 0 ? Transcode.MergeInto(body, reader.Transcodes, errors) : body;
        operations = OperationsReader.WithAudioNormalize(body, operations, errors);
        var outputs = body.TryGetProperty("outputs", out var many) && many.ValueKind != JsonValueKind.Null
            ? MapOutputs(body, many, jobId, operations, fields)
            : new OutputMapper(mounts, capabilities, fields, blobs: remote?.Blobs) { Sealer = remote?.Credentials, Sealed = Sealed }.Map(body, jobId, operations) is { } single ? [single] : null;
        var options = MapOptions(body, fields, hardware: true);
        if (options.StreamInput && input is not null && !Core.Storage.Blobs.BlobAddress.LooksLikeOne(input))
        {
            errors.Add("options.input_access", "'stream' applies to object inputs (s3://, azure://, gs://); files in storage are read in place and URLs are always downloaded.", InvalidRequest);
        }

        if (input is not null && outputs is not null && outputs.Any(o => o.Path == input))
        {
            errors.Add(outputs.Count == 1 ? "output" : "outputs", "An output must not overwrite the input.", InvalidOutput);
        }

        if (errors.Any || input is null || outputs is null || operations is null)
        {
            return (null, errors);
        }

        var spec = new ConvertSpec(input, outputs[0], operations) { AudioTrack = audioTrack, ExtraOutputs = outputs[1..], Hardware = options.Hardware };
        if (spec.AllOutputs.Any(o => o.Video?.TargetVmaf is not null))
        {
            var field = outputs.Count == 1 ? "output.video.target_vmaf" : "outputs";
            if (outputs.Count > 1)
            {
                errors.Add(field, "A VMAF target applies to a job with one output.", InvalidOutput);
            }
            else if (operations.Any(o => o is UpscaleOperation))
            {
                errors.Add(field, "A VMAF target cannot be combined with an upscale.", InvalidOutput);
            }
            else if (VmafProblem is { } vmaf)
            {
                errors.Add(field, $"A VMAF target needs VMAF, which this server cannot compute: {vmaf}.", InsufficientResources);
            }
        }

        if (operations.Any(o => o is UpscaleOperation))
        {
            if (Media.Commands.UpscalePlanner.Problem(spec) is { } problem)
            {
                errors.Add("operations", problem, InvalidOperation);
            }
            else if (spec.Hardware?.Vendor is not null)
            {
                errors.Add("options.hardware_acceleration", "Upscaled video is encoded in software; use 'auto' or 'none' with an upscale (the model's device is the operation's 'device').", InvalidRequest);
            }
        }

        return errors.Any ? (null, errors) : (options.Envelope(spec, SealedOrNull), errors);
    }

    /// <summary>
    /// <c>outputs: [...]</c>: each element is what <c>output</c> accepts (a format, a path, an object, a preset
    /// without operations); default paths are <c>/storage/output/{job_id}-{n}.{ext}</c>.
    /// </summary>
    private List<OutputSpec>? MapOutputs(JsonElement body, JsonElement many, string jobId, IReadOnlyList<OperationSpec>? operations, JsonFields fields)
    {
        if (body.TryGetProperty("output", out var single) && single.ValueKind != JsonValueKind.Null)
        {
            fields.Errors.Add("outputs", "Give either 'output' or 'outputs', not both.", InvalidOutput);
            return null;
        }

        if (many.ValueKind != JsonValueKind.Array || many.GetArrayLength() is 0 or > MaxOutputs)
        {
            fields.Errors.Add("outputs", $"Must be an array of 1 to {MaxOutputs} outputs.", InvalidOutput);
            return null;
        }

        var result = new List<OutputSpec>();
        var index = 0;
        foreach (var element in many.EnumerateArray())
        {
            var root = $"outputs[{index}]";
            index++;
            var item = element;
            if (!TryApplyPresetTo(ref item, root, fields))
            {
                continue;
            }

            if (new OutputMapper(mounts, capabilities, fields, root, remote?.Blobs) { Sealer = remote?.Credentials, Sealed = Sealed }.MapOne(item, $"{jobId}-{index}", operations) is { } output)
            {
                if (result.Any(o => o.Path == output.Path))
                {
                    fields.Errors.Add($"{root}.path", $"Two outputs would write {output.Path}.", InvalidOutput);
                }

                if (output.Video?.TwoPass == true)
                {
                    fields.Errors.Add($"{root}.video.two_pass", "Two-pass needs a job of its own (one output).", InvalidOutput);
                }

                result.Add(output);
            }
        }

        if (result.Count == index)
        {
            OutputMapper.CheckOperationStreams(operations, result, fields.Errors);
        }

        return fields.Errors.Any ? null : result;
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

        if (FindPreset(presetName, "output.preset", fields) is not { } preset)
        {
            return false;
        }

        var merged = PresetCatalog.Apply(JsonNode.Parse(body.GetRawText())!.AsObject(), preset);
        body = JsonSerializer.SerializeToElement(merged);
        return true;
    }

    /// <summary>A preset inside <c>outputs[i]</c>: its output fields apply; one that carries operations is refused.</summary>
    private static bool TryApplyPresetTo(ref JsonElement output, string root, JsonFields fields)
    {
        if (output.ValueKind != JsonValueKind.Object || !output.TryGetProperty("preset", out var presetName) || presetName.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (FindPreset(presetName, $"{root}.preset", fields) is not { } preset)
        {
            return false;
        }

        if (preset.Operations.Count > 0)
        {
            fields.Errors.Add($"{root}.preset", $"'{preset.Name}' adds operations for the whole job; use it as the single 'output'.", InvalidOutput);
            return false;
        }

        var wrapped = PresetCatalog.Apply(new JsonObject { ["output"] = JsonNode.Parse(output.GetRawText()) }, preset);
        output = JsonSerializer.SerializeToElement(wrapped["output"]);
        return true;
    }

    private static NamedPreset? FindPreset(JsonElement presetName, string field, JsonFields fields)
    {
        var names = PresetCatalog.All.Select(p => p.Name).ToArray();
        if (presetName.ValueKind != JsonValueKind.String || PresetCatalog.Find(presetName.GetString()!) is not { } preset)
        {
            var text = presetName.ValueKind == JsonValueKind.String ? presetName.GetString() : presetName.GetRawText();
            fields.Errors.Add(field, $"Unknown preset '{text}'. Available: {string.Join(", ", names)} (GET /api/v1/presets).", InvalidOutput, text, names);
            return null;
        }

        return preset;
    }

    private string? MapInput(JsonElement body, JsonFields fields) => MapExistingFile(body, "input", fields, "audio_track");

    /// <summary>An existing, non-empty media file inside a mount, given as a path string or <c>{ "path": … }</c>.</summary>
    internal string? MapExistingFile(JsonElement body, string name, JsonFields fields, params string[] alsoAllowed)
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
            fields.RejectUnknown(input, name, InvalidInput, ["path", "credentials", .. alsoAllowed]);
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

        if (InputSources.IsExternal(path))
        {
            // A URL (fetched through the SSRF guard) or an object (through its storage profile), staged by the worker;
            // here only what needs no traffic is checked.
            var problem = remote is null ? "A URL or object address is not accepted here; name a file in storage." : remote.Check(path);
            if (problem is not null)
            {
                fields.Errors.Add(field, problem, InvalidInput);
                return null;
            }

            CredentialFields.Collect(input, name, BlobAddress.LooksLikeOne(path) ? path : null, remote?.Credentials, fields, Sealed);
            return path;
        }

        CredentialFields.Collect(input, name, null, remote?.Credentials, fields, Sealed);
        if (!mounts.TryResolve(path, out var resolved, out var error))
        {
            fields.Errors.Add(field, error, InvalidInput);
            return null;
        }

        if (mounts.IsPendingOutput(resolved!))
        {
            return resolved!.VirtualPath;
        }

        if (!File.Exists(resolved!.PhysicalPath))
        {
            fields.Errors.Add(field, $"Input file not found: {resolved.VirtualPath}", InvalidInput);
            return null;
        }

        // FIFOs and device nodes report size 0 (and would block or never end); an empty file is not media either.
        var length = new FileInfo(resolved.PhysicalPath).Length;
        if (length == 0)
        {
            fields.Errors.Add(field, $"Input is empty or not a regular file: {resolved.VirtualPath}", InvalidInput);
            return null;
        }

        if (length > jobOptions.MaxInputBytes)
        {
            fields.Errors.Add(field, $"Input is {JobOptions.Describe(length)}; this server accepts up to {JobOptions.Describe(jobOptions.MaxInputBytes)} (Jobs:MaxInputBytes).", InvalidInput);
            return null;
        }

        return resolved.VirtualPath;
    }

    /// <summary>The shared options; <paramref name="hardware"/>: conversions also take <c>hardware_acceleration</c> and <c>hardware_device</c>.</summary>
    internal SubmitOptions MapOptions(JsonElement body, JsonFields fields, bool hardware = false)
    {
        var priorityText = fields.String(body, "priority", string.Empty, InvalidRequest);
        var webhook = MapWebhook(body, string.Empty, fields);
        int? timeout = null;
        int? maxAttempts = null;
        HardwareRequest? hardwareRequest = null;
        var streamInput = false;
        if (body.TryGetProperty("options", out var options) && options.ValueKind != JsonValueKind.Null)
        {
            if (options.ValueKind != JsonValueKind.Object)
            {
                fields.Errors.Add("options", "Must be an object.", InvalidRequest);
                return new SubmitOptions(JobPriority.Normal, null, null, null);
            }

            fields.RejectUnknown(options, "options", InvalidRequest, hardware ? [.. OptionFields, .. HardwareFields] : OptionFields);
            hardwareRequest = hardware ? MapHardware(options, fields) : null;
            var access = hardware ? fields.String(options, "input_access", "options", InvalidRequest) : null;
            if (access is not null && !InputAccessModes.Contains(access))
            {
                fields.Errors.Add("options.input_access", $"Must be one of: {string.Join(", ", InputAccessModes)}.", InvalidRequest, access, InputAccessModes);
            }

            streamInput = access == "stream";
            priorityText = fields.String(options, "priority", "options", InvalidRequest) ?? priorityText;
            timeout = fields.Int(options, "timeout_seconds", "options", InvalidRequest, 1, jobOptions.MaxTimeoutSeconds);
            maxAttempts = fields.Int(options, "max_attempts", "options", InvalidRequest, 1, MaxAttemptsLimit);
            webhook = MapWebhook(options, "options", fields) ?? webhook;
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

        return new SubmitOptions(priority ?? JobPriority.Normal, timeout, webhook, maxAttempts) { Hardware = hardwareRequest, StreamInput = streamInput };
    }

    /// <summary>
    /// <c>webhook_url</c> + <c>webhook_events</c> (default <c>["complete", "error"]</c>). The URL's address policy is
    /// checked by the submitter (it needs the operator's allowlist).
    /// </summary>
    private static JobWebhook? MapWebhook(JsonElement obj, string path, JsonFields fields)
    {
        var url = fields.String(obj, "webhook_url", path, InvalidRequest);
        var prefix = path.Length == 0 ? string.Empty : path + ".";
        string[] events = ["complete", "error"];
        if (obj.TryGetProperty("webhook_events", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            var allowed = Core.Webhooks.WebhookEventTypes.Rendiff.Keys.ToArray();
            if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || !allowed.Contains(e.GetString())))
            {
                fields.Errors.Add(prefix + "webhook_events", $"Must be a list of: {string.Join(", ", allowed)}.", InvalidRequest, list.ToString(), allowed);
                return null;
            }

            events = [.. list.EnumerateArray().Select(e => e.GetString()!).Distinct()];
            if (url is null)
            {
                fields.Errors.Add(prefix + "webhook_events", "Needs webhook_url.", InvalidRequest);
            }
        }

        return url is null ? null : new JobWebhook(url, events);
    }
}

/// <summary>What every job body shares: priority, time limit, and the per-job webhook.</summary>
public sealed record SubmitOptions(JobPriority Priority, int? Timeout, JobWebhook? Webhook, int? MaxAttempts)
{
    /// <summary>Conversions only: <c>hardware_acceleration</c> + <c>hardware_device</c>.</summary>
    public HardwareRequest? Hardware { get; init; }

    /// <summary>Conversions only: <c>input_access: stream</c> (ffmpeg reads an object input through a presigned URL).</summary>
    public bool StreamInput { get; init; }

    /// <summary>The job for <paramref name="spec"/> with these options and the body's sealed inline credentials.</summary>
    public JobEnvelope Envelope(JobSpec spec, IReadOnlyDictionary<string, string>? sealedCredentials) => new(spec, Priority, MaxAttempts)
    {
        Delivery = new JobDelivery { TimeoutSeconds = Timeout, Webhook = Webhook, SealedCredentials = sealedCredentials, StreamInput = StreamInput },
    };
}
