using System.Text.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Media.Specs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Requests.Operations;

/// <summary>
/// A <c>/convert</c> body whose one operation is the original's <c>thumbnail</c> or <c>thumbnail_grid</c> is a thumbnails
/// job: the body is rewritten as the <c>/thumbnails</c> body it means and mapped by that endpoint's mapper, and its
/// errors are named by the fields the request wrote (<c>time</c> → <c>operations[0].params.timestamp</c>).
/// </summary>
internal static class ThumbnailJobs
{
    private static readonly string[] Passed = ["input", "options", "priority", .. ConvertRequestMapper.WebhookFields];

    /// <summary>What a thumbnail operation among others answers.</summary>
    public static OperationSpec? NotAlone(OperationScope scope) =>
        scope.Fail<OperationSpec>(null, "A thumbnail operation makes the whole job a thumbnails job; give it as the only operation (POST /thumbnails takes more).");

    /// <summary>Whether <paramref name="body"/> is such a job (then <paramref name="operation"/> is its one operation).</summary>
    public static bool Is(JsonElement body, out JsonElement operation)
    {
        operation = default;
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("operations", out var operations)
            || operations.ValueKind != JsonValueKind.Array || operations.GetArrayLength() != 1)
        {
            return false;
        }

        operation = operations[0];
        return RecordOf(operation) is not null;
    }

    /// <summary>The thumbnail record <paramref name="operation"/>'s <c>type</c> names, or null for any other operation.</summary>
    private static Type? RecordOf(JsonElement operation) =>
        operation.ValueKind == JsonValueKind.Object && operation.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
        && OperationsReader.TypeOf(type.GetString()!) is { } record && (record == typeof(Thumbnail) || record == typeof(ThumbnailGrid))
            ? record
            : null;

    /// <summary>The job, through <paramref name="map"/> (the thumbnails mapper), or the mistakes named as the request wrote them.</summary>
    public static async Task<(JobEnvelope? Envelope, ValidationErrors Errors)> MapAsync(JsonElement body, JsonElement element, Func<JsonElement, Task<(JobEnvelope? Envelope, ValidationErrors Errors)>> map)
    {
        const string Path = "operations[0]";
        var errors = new ValidationErrors();
        if (OperationsReader.Members(element, Path, errors) is not { } members)
        {
            return (null, errors);
        }

        var operation = RecordFields.Read(RecordOf(element)!, members, Path, InvalidOperation, errors, "type", "params");
        foreach (var member in body.EnumerateObject().Where(m => m.Name is not ("output" or "operations") && Array.IndexOf(Passed, m.Name) < 0))
        {
            errors.Add(member.Name, $"A thumbnail job takes: input, output, operations, {string.Join(", ", Passed[1..])}.", InvalidRequest, member.Name, Passed);
        }

        if (operation is null || errors.Any)
        {
            return (null, errors);
        }

        var request = new JsonObject();
        foreach (var name in Passed)
        {
            if (body.TryGetProperty(name, out var value))
            {
                request[name] = JsonNode.Parse(value.GetRawText());
            }
        }

        switch (body.TryGetProperty("output", out var output) ? output.ValueKind : JsonValueKind.Undefined)
        {
            case JsonValueKind.String:
                request["output"] = output.GetString();
                break;
            case JsonValueKind.Object when output.TryGetProperty("path", out var path):
                request["output"] = JsonNode.Parse(path.GetRawText());
                break;
            case JsonValueKind.Undefined or JsonValueKind.Null:
                break;
            default:
                errors.Add("output", "A thumbnail job's output is a file path (one image) or a directory path.", InvalidOutput);
                return (null, errors);
        }

        var given = members.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.First().Path, StringComparer.Ordinal);
        if (operation is Thumbnail one)
        {
            request["mode"] = "single";
            Set(request, "time", one.Timestamp?.Seconds);
            Set(request, "width", one.Width);
            Set(request, "height", one.Height);
            Set(request, "quality", one.Quality is { } quality ? JsonNamingPolicy.SnakeCaseLower.ConvertName(quality.ToString()) : null);
        }
        else if (operation is ThumbnailGrid tiles)
        {
            var (rows, columns) = (tiles.Rows ?? 5, tiles.Cols ?? 5);
            request["mode"] = "count";
            request["count"] = rows * columns;
            request["sprite"] = new JsonObject { ["columns"] = columns, ["rows"] = rows };
            Set(request, "width", tiles.Width);
            Set(request, "height", tiles.Height);
        }

        var (envelope, mapped) = await map(JsonSerializer.SerializeToElement(request, JsonDefaults.Options));
        return (envelope, mapped.Renamed(field => field switch
        {
            "time" => given.GetValueOrDefault("timestamp", $"{Path}.timestamp"),
            "width" or "height" or "quality" => given.GetValueOrDefault(field, $"{Path}.{field}"),
            "count" or "sprite" or "mode" or "format" => Path,
            _ => field,
        }));
    }

    private static void Set<T>(JsonObject request, string name, T? value)
    {
        if (value is not null)
        {
            request[name] = JsonValue.Create(value);
        }
    }
}
