using System.Text.Json;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Media.Specs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Requests.Operations;

/// <summary>
/// <c>operations</c> → specs: each element is read as the <see cref="Operation"/> its <c>type</c> names (its fields at the
/// top level or in <c>params</c>, as the original documented them), checked by <see cref="RecordFields"/> against that
/// record, then turned into its spec; the rules across operations follow.
/// </summary>
internal sealed class OperationsReader(ValidationErrors errors, OperationFiles files, UpscaleModelCheck? upscaleModels)
{
    /// <summary>The operation types by name (aliases included), from <see cref="Operation"/>'s own list.</summary>
    private static readonly Dictionary<string, Type> Types = typeof(Operation)
        .GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonDerivedTypeAttribute), inherit: false)
        .Cast<System.Text.Json.Serialization.JsonDerivedTypeAttribute>()
        .ToDictionary(a => (string)a.TypeDiscriminator!, a => a.DerivedType, StringComparer.Ordinal);

    /// <summary>The record an operation's <c>type</c> names (case-insensitive), or null for no operation.</summary>
    public static Type? TypeOf(string name) => Types.GetValueOrDefault(name.ToLowerInvariant());

    /// <summary>Operation names, for errors and <c>/capabilities</c>.</summary>
    public static readonly string[] Supported = [.. Types.Keys];

    /// <summary>The <c>transcode</c> operations read, with their paths, for <see cref="Transcode.MergeInto"/>.</summary>
    public List<(string Path, Transcode Operation)> Transcodes { get; } = [];

    public List<OperationSpec>? Read(JsonElement body, int maxOperations)
    {
        var result = new List<OperationSpec>();
        if (!body.TryGetProperty("operations", out var operations) || operations.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (operations.ValueKind != JsonValueKind.Array)
        {
            errors.Add("operations", "Must be an array of operations.", InvalidOperation);
            return null;
        }

        if (operations.GetArrayLength() > maxOperations)
        {
            errors.Add("operations", $"At most {maxOperations} operations per job (got {operations.GetArrayLength()}).", InvalidOperation);
            return null;
        }

        var index = 0;
        foreach (var element in operations.EnumerateArray())
        {
            var path = $"operations[{index++}]";
            var (read, given) = ReadOne(element, path);
            switch (read)
            {
                case Transcode transcode:
                    Transcodes.Add((path, transcode));
                    result.AddRange(transcode.PictureOperations());
                    break;
                case { } operation when operation.ToSpec(new OperationScope(path, errors, files, upscaleModels) { Given = given }) is { } spec:
                    result.Add(spec);
                    break;
            }
        }

        CheckTogether(result);
        return result;
    }

    /// <summary>The operation at <paramref name="path"/> and where each of its fields was written, or null with the mistakes recorded.</summary>
    private (Operation? Operation, Dictionary<string, string> Given) ReadOne(JsonElement element, string path)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(path, "Must be an object with a 'type'.", InvalidOperation);
            return (null, given);
        }

        if (!element.TryGetProperty("type", out var typeValue) || typeValue.ValueKind == JsonValueKind.Null)
        {
            errors.Add($"{path}.type", $"Required. Supported: {string.Join(", ", Supported)}.", InvalidOperation);
            return (null, given);
        }

        if (typeValue.ValueKind != JsonValueKind.String)
        {
            errors.Add($"{path}.type", "Must be a string.", InvalidOperation);
            return (null, given);
        }

        var name = typeValue.GetString()!.ToLowerInvariant();
        if (TypeOf(name) is not { } type)
        {
            errors.Add($"{path}.type", $"Unknown operation '{name}'. Supported: {string.Join(", ", Supported)}.", InvalidOperation, name, Supported);
            return (null, given);
        }

        if (Members(element, path, errors) is not { } members)
        {
            return (null, given);
        }

        foreach (var member in members)
        {
            given.TryAdd(member.Name, member.Path);
        }

        return ((Operation?)RecordFields.Read(type, members, path, InvalidOperation, errors, "type", "params"), given);
    }

    /// <summary>
    /// An operation's fields: its own members and those of its <c>params</c> object (the original's documented form),
    /// each with the path it was written at; null with the mistake recorded when <c>params</c> is not an object.
    /// </summary>
    public static List<WireMember>? Members(JsonElement operation, string path, ValidationErrors errors)
    {
        var members = RecordFields.Members(operation, path).Where(m => m.Name != "params").ToList();
        if (operation.TryGetProperty("params", out var parameters) && parameters.ValueKind != JsonValueKind.Null)
        {
            if (parameters.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{path}.params", "Must be an object of the operation's fields.", InvalidOperation);
                return null;
            }

            members.AddRange(RecordFields.Members(parameters, $"{path}.params"));
        }

        return members;
    }

    private void CheckTogether(List<OperationSpec> result)
    {
        if (result.OfType<TrimOperation>().Count() > 1)
        {
            errors.Add("operations", "At most one trim operation per job.", InvalidOperation);
        }

        if (result.OfType<SubtitlesOperation>().Count() > 1)
        {
            errors.Add("operations", "At most one subtitles operation per job.", InvalidOperation);
        }

        if (result.OfType<ConcatOperation>().Count() > 1)
        {
            errors.Add("operations", "At most one concat operation per job (list every file in its 'inputs').", InvalidOperation);
        }

        if (result.Any(o => o is ConcatOperation) && result.Any(o => o is SubtitlesOperation { Mode: SubtitleMode.Soft }))
        {
            errors.Add("operations", "A subtitle track cannot be added to joined inputs; burn the subtitles in instead.", InvalidOperation);
        }
    }

    /// <summary>
    /// The original's <c>output.audio.normalize: true</c>: a <c>normalize</c> operation with its defaults (EBU R128,
    /// -16 LUFS, two passes) unless the job already has one.
    /// </summary>
    public static List<OperationSpec>? WithAudioNormalize(JsonElement body, List<OperationSpec>? operations, ValidationErrors errors)
    {
        if (body.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.Object
            && output.TryGetProperty("audio", out var audio) && audio.ValueKind == JsonValueKind.Object
            && audio.TryGetProperty("normalize", out var normalize) && normalize.ValueKind != JsonValueKind.Null)
        {
            if (normalize.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                errors.Add("output.audio.normalize", "Must be true or false.", InvalidOutput);
            }
            else if (normalize.ValueKind == JsonValueKind.True && operations is not null && !operations.Any(o => o is NormalizeOperation))
            {
                return [.. operations, new NormalizeOperation()];
            }
        }

        return operations;
    }
}
