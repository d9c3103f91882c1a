using System.Text.Json;
using FfmpegApi.Media.Specs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>Maps <c>operations</c>: <c>trim</c> and <c>scale</c> (alias <c>resize</c>).</summary>
internal static class OperationMapper
{
    public static readonly string[] Supported = ["trim", "scale", "resize"];

    public static List<OperationSpec>? Map(JsonElement body, JsonFields fields, int maxOperations)
    {
        var result = new List<OperationSpec>();
        if (!body.TryGetProperty("operations", out var operations) || operations.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (operations.ValueKind != JsonValueKind.Array)
        {
            fields.Errors.Add("operations", "Must be an array of operations.", InvalidOperation);
            return null;
        }

        if (operations.GetArrayLength() > maxOperations)
        {
            fields.Errors.Add("operations", $"At most {maxOperations} operations per job (got {operations.GetArrayLength()}).", InvalidOperation);
            return null;
        }

        var index = 0;
        foreach (var operation in operations.EnumerateArray())
        {
            var path = $"operations[{index++}]";
            if (operation.ValueKind != JsonValueKind.Object)
            {
                fields.Errors.Add(path, "Must be an object with a 'type'.", InvalidOperation);
                continue;
            }

            var type = fields.String(operation, "type", path, InvalidOperation)?.ToLowerInvariant();
            OperationSpec? spec = type switch
            {
                "trim" => Trim(operation, path, fields),
                "scale" or "resize" => Scale(operation, path, fields),
                null => Missing(path, fields),
                _ => Unknown(type, path, fields),
            };
            if (spec is not null)
            {
                result.Add(spec);
            }
        }

        if (result.OfType<TrimOperation>().Count() > 1)
        {
            fields.Errors.Add("operations", "At most one trim operation per job.", InvalidOperation);
        }

        return result;
    }

    private static TrimOperation? Trim(JsonElement op, string path, JsonFields fields)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "start", "duration", "end");
        var start = fields.Seconds(op, "start", path, InvalidOperation) ?? 0;
        var duration = fields.Seconds(op, "duration", path, InvalidOperation);
        var end = fields.Seconds(op, "end", path, InvalidOperation);
        if (duration is not null && end is not null)
        {
            fields.Errors.Add(path, "Give either 'duration' or 'end', not both.", InvalidOperation);
            return null;
        }

        if (end is { } e)
        {
            if (e <= start)
            {
                fields.Errors.Add($"{path}.end", "Must be after 'start'.", InvalidOperation);
                return null;
            }

            duration = e - start;
        }

        if (duration is <= 0)
        {
            fields.Errors.Add($"{path}.duration", "Must be greater than 0.", InvalidOperation);
            return null;
        }

        if (start == 0 && duration is null)
        {
            fields.Errors.Add(path, "A trim needs 'start', 'duration' or 'end'.", InvalidOperation);
            return null;
        }

        return new TrimOperation(start, duration);
    }

    private static ScaleOperation? Scale(JsonElement op, string path, JsonFields fields)
    {
        fields.RejectUnknown(op, path, InvalidOperation, "type", "width", "height", "resolution");
        var width = fields.Int(op, "width", path, InvalidOperation, 2, Resolution.MaxSide);
        var height = fields.Int(op, "height", path, InvalidOperation, 2, Resolution.MaxSide);
        var resolution = fields.String(op, "resolution", path, InvalidOperation);
        if (resolution is not null)
        {
            if (!Resolution.TryParse(resolution, out var w, out var h))
            {
                fields.Errors.Add($"{path}.resolution", "Must look like 1280x720 or 720p.", InvalidOperation);
                return null;
            }

            (width, height) = (w, h);
        }

        if (width is null && height is null)
        {
            fields.Errors.Add(path, "A scale needs 'width', 'height' or 'resolution'.", InvalidOperation);
            return null;
        }

        return new ScaleOperation(width, height);
    }

    private static OperationSpec? Missing(string path, JsonFields fields)
    {
        fields.Errors.Add($"{path}.type", $"Required. Supported: {string.Join(", ", Supported)}.", InvalidOperation);
        return null;
    }

    private static OperationSpec? Unknown(string type, string path, JsonFields fields)
    {
        fields.Errors.Add($"{path}.type", $"Unknown operation '{type}'. Supported: {string.Join(", ", Supported)}.", InvalidOperation, type, Supported);
        return null;
    }
}
