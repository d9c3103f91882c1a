using System.Globalization;
using System.Text.Json;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>Typed reads from raw JSON that record a precise error (field path + expectation) on mismatch.</summary>
internal sealed class JsonFields(ValidationErrors errors)
{
    public ValidationErrors Errors => errors;

    /// <summary>
    /// Starts mapping a request body: a non-object body is an error on <c>body</c> (then <paramref name="isObject"/> is
    /// false and nothing more can be read); unknown top-level members are errors naming them.
    /// </summary>
    public static JsonFields ForBody(JsonElement body, string[] topLevel, out bool isObject)
    {
        var fields = new JsonFields(new ValidationErrors());
        isObject = body.ValueKind == JsonValueKind.Object;
        if (!isObject)
        {
            fields.Errors.Add("body", "The request body must be a JSON object.", FfmpegApi.Errors.ErrorCodes.InvalidRequest);
        }
        else
        {
            fields.RejectUnknown(body, string.Empty, FfmpegApi.Errors.ErrorCodes.InvalidRequest, topLevel);
        }

        return fields;
    }

    /// <summary>Refuses members the schema does not know (the original API forbids extras).</summary>
    public void RejectUnknown(JsonElement obj, string path, string code, params string[] allowed)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (Array.IndexOf(allowed, property.Name) < 0)
            {
                errors.Add(Join(path, property.Name), $"Unknown field '{property.Name}'. Allowed: {string.Join(", ", allowed)}.", code, property.Name, allowed);
            }
        }
    }

    public string? String(JsonElement obj, string name, string path, string code)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(Join(path, name), "Must be a string.", code);
            return null;
        }

        return value.GetString();
    }

    public int? Int(JsonElement obj, string name, string path, string code, int min, int max)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var n))
        {
            errors.Add(Join(path, name), "Must be an integer.", code);
            return null;
        }

        if (n < min || n > max)
        {
            errors.Add(Join(path, name), $"Must be between {min} and {max}.", code);
            return null;
        }

        return n;
    }

    public double? Number(JsonElement obj, string name, string path, string code, double min, double max)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var n) || n < min || n > max)
        {
            errors.Add(Join(path, name), $"Must be a number between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}.", code);
            return null;
        }

        return n;
    }

    /// <summary>Seconds as a number (<c>12.5</c>) or a timestamp string (<c>"00:01:02.5"</c>, <c>"62.5"</c>).</summary>
    public double? Seconds(JsonElement obj, string name, string path, string code)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (Requests.WireTime.Parse(value) is not { } seconds)
        {
            errors.Add(Join(path, name), Requests.WireTime.Expected, code);
            return null;
        }

        return seconds;
    }

    public static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
