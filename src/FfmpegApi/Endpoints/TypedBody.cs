using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Errors;

namespace FfmpegApi.Endpoints;

/// <summary>A request body type: its cross-field rules, checked after System.Text.Json read it.</summary>
public interface IValidatedBody
{
    void Validate(ValidationErrors errors);
}

/// <summary>
/// Reads a request body as its <c>sealed record</c> type with System.Text.Json (snake_case, the house options) and answers
/// 422 problem+json naming the field for what does not fit: a member the type does not have (through the same
/// <see cref="JsonFields"/> checks as the hand-mapped bodies: the allowed names and a "did you mean"), a value of the wrong JSON type, and the type's own <see cref="IValidatedBody.Validate"/>
/// rules. The OpenAPI document describes the same type (<c>.Accepts&lt;T&gt;</c>), so the two cannot drift apart.
/// </summary>
public static class TypedBody
{
    public static async Task<(T? Body, ValidationErrors Errors)> ReadAsync<T>(HttpContext context, CancellationToken cancellationToken)
        where T : class, IValidatedBody
    {
        // Not JSON at all: the JsonException reaches ApiExceptionHandler (400 MALFORMED_JSON), as for every body.
        using var document = await JsonDocument.ParseAsync(context.Request.Body, default, cancellationToken);
        return Read<T>(document.RootElement);
    }

    public static (T? Body, ValidationErrors Errors) Read<T>(JsonElement json)
        where T : class, IValidatedBody
    {
        var info = JsonDefaults.Options.GetTypeInfo(typeof(T));
        var fields = JsonFields.ForBody(json, Names(info), out var isObject);
        if (isObject)
        {
            RejectUnknownBelow(json, info, string.Empty, fields);
        }

        var errors = fields.Errors;
        if (errors.Any)
        {
            return (null, errors);
        }

        T body;
        try
        {
            body = json.Deserialize<T>(JsonDefaults.Options)!;
        }
        catch (JsonException e)
        {
            var field = (e.Path ?? "$").TrimStart('$').TrimStart('.');
            errors.Add(field.Length == 0 ? "body" : field, Expected(info, field), ErrorCodes.InvalidRequest);
            return (null, errors);
        }

        body.Validate(errors);
        return errors.Any ? (null, errors) : (body, errors);
    }

    private static string[] Names(JsonTypeInfo info) => [.. info.Properties.Select(p => p.Name)];

    /// <summary>Unknown members of the objects inside <paramref name="json"/> that the type describes, at every depth.</summary>
    private static void RejectUnknownBelow(JsonElement json, JsonTypeInfo info, string path, JsonFields fields)
    {
        foreach (var property in info.Properties)
        {
            if (json.TryGetProperty(property.Name, out var value) && value.ValueKind == JsonValueKind.Object
                && JsonDefaults.Options.GetTypeInfo(property.PropertyType) is { Kind: JsonTypeInfoKind.Object } inner)
            {
                var field = JsonFields.Join(path, property.Name);
                fields.RejectUnknown(value, field, ErrorCodes.InvalidRequest, Names(inner));
                RejectUnknownBelow(value, inner, field, fields);
            }
        }
    }

    /// <summary>What the member at <paramref name="field"/> takes, in words.</summary>
    private static string Expected(JsonTypeInfo info, string field)
    {
        var type = info.Properties.FirstOrDefault(p => p.Name == field)?.PropertyType;
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            null => "Has the wrong type.",
            _ when type == typeof(string) => "Must be a string.",
            _ when type == typeof(bool) => "Must be true or false.",
            _ when type == typeof(int) || type == typeof(long) => "Must be a whole number.",
            _ when type == typeof(double) => "Must be a number.",
            _ when type.IsAssignableTo(typeof(System.Collections.IEnumerable)) => "Must be an array.",
            _ => "Must be an object.",
        };
    }
}
