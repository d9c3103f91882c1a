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
/// 422 problem+json naming the field for what does not fit: a member the type does not have (with the allowed names
/// and a "did you mean"), a value of the wrong JSON type, and the type's own <see cref="IValidatedBody.Validate"/>
/// rules. The OpenAPI document describes the same type (<c>.Accepts&lt;T&gt;</c>), so the two cannot drift apart.
/// </summary>
public static class TypedBody
{
    public static async Task<(T? Body, ValidationErrors Errors)> ReadAsync<T>(HttpContext context, CancellationToken cancellationToken)
        where T : class, IValidatedBody
    {
        var errors = new ValidationErrors();
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, cancellationToken);
        }
        catch (JsonException e)
        {
            errors.Add("body", $"Not valid JSON: {e.Message.Split(" Path:", 2)[0]}", ErrorCodes.InvalidRequest);
            return (null, errors);
        }

        using (document)
        {
            return Read<T>(document.RootElement, errors);
        }
    }

    public static (T? Body, ValidationErrors Errors) Read<T>(JsonElement json, ValidationErrors errors)
        where T : class, IValidatedBody
    {
        var info = JsonDefaults.Options.GetTypeInfo(typeof(T));
        if (json.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", "The request body must be a JSON object.", ErrorCodes.InvalidRequest);
            return (null, errors);
        }

        RejectUnknown(json, info, string.Empty, errors);
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

    /// <summary>Members of <paramref name="json"/> that <paramref name="info"/> does not name, at every depth of objects the type describes.</summary>
    private static void RejectUnknown(JsonElement json, JsonTypeInfo info, string path, ValidationErrors errors)
    {
        var known = info.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var member in json.EnumerateObject())
        {
            var field = path.Length == 0 ? member.Name : $"{path}.{member.Name}";
            if (!known.TryGetValue(member.Name, out var property))
            {
                var allowed = known.Keys.Order(StringComparer.Ordinal).ToArray();
                errors.Add(field, $"Unknown field '{member.Name}'. Allowed: {string.Join(", ", allowed)}.", ErrorCodes.InvalidRequest, member.Name, allowed);
                continue;
            }

            var inner = JsonDefaults.Options.GetTypeInfo(property.PropertyType);
            if (member.Value.ValueKind == JsonValueKind.Object && inner.Kind == JsonTypeInfoKind.Object)
            {
                RejectUnknown(member.Value, inner, field, errors);
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
