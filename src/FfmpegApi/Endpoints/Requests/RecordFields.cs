using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Endpoints.Jobs;

namespace FfmpegApi.Endpoints.Requests;

/// <summary>One member of a request object as it arrived, with the path errors name it by.</summary>
public readonly record struct WireMember(string Name, JsonElement Value, string Path);

/// <summary>
/// Reads JSON members into a request record with System.Text.Json, after checking each against the record's own
/// contract (its <see cref="JsonTypeInfo"/> and attributes, which are also what the OpenAPI document is built from): a
/// member the record does not have is refused with the allowed names and a "did you mean"; a value of the wrong JSON kind,
/// outside its <see cref="RangeAttribute"/>, or not one of its enum's values is named with what it takes; a
/// <see cref="RequiredAttribute"/> member that is absent is named with its message. Every mistake of the object is
/// reported, not only the first. Enum values are read leniently (<c>"Top-Right"</c> is <c>top_right</c>), as before.
/// </summary>
internal static class RecordFields
{
    /// <summary>
    /// The record <paramref name="type"/> from <paramref name="members"/>, or null with the errors recorded (with
    /// <paramref name="code"/>); <paramref name="known"/> are further names the caller reads itself (a discriminator).
    /// </summary>
    public static object? Read(Type type, IReadOnlyList<WireMember> members, string path, string code, ValidationErrors errors, params string[] known)
    {
        var info = JsonDefaults.Options.GetTypeInfo(type);
        var allowed = AllowedNames(info, known);
        var node = new JsonObject();
        var before = errors.Count;
        foreach (var member in members)
        {
            if (Array.IndexOf(known, member.Name) >= 0)
            {
                continue;
            }

            var property = info.Properties.FirstOrDefault(p => p.Name == member.Name);
            if (property is null)
            {
                errors.Add(member.Path, $"Unknown field '{member.Name}'. Allowed: {string.Join(", ", allowed)}.", code, member.Name, allowed);
            }
            else if (node.ContainsKey(member.Name))
            {
                errors.Add(member.Path, $"'{member.Name}' is given twice (at the top level and in 'params').", code);
            }
            else if (member.Value.ValueKind != JsonValueKind.Null && Check(property, member.Value, member.Path, code, errors) is { } value)
            {
                node[member.Name] = value;
            }
        }

        foreach (var property in info.Properties)
        {
            if (!node.ContainsKey(property.Name) && Attribute<RequiredAttribute>(property) is { } required
                && !members.Any(m => m.Name == property.Name && m.Value.ValueKind != JsonValueKind.Null))
            {
                var field = JsonFields.Join(path, property.Name);
                errors.Add(field, required.ErrorMessage ?? RequiredMessage(property), code, null, EnumNames(property));
            }
        }

        return errors.Count > before ? null : node.Deserialize(type, JsonDefaults.Options);
    }

    /// <summary>The members of <paramref name="obj"/>, named under <paramref name="path"/>.</summary>
    public static IEnumerable<WireMember> Members(JsonElement obj, string path) =>
        obj.EnumerateObject().Select(p => new WireMember(p.Name, p.Value, JsonFields.Join(path, p.Name)));

    /// <summary>The names a record takes (after <paramref name="known"/>), in its declared order.</summary>
    public static string[] AllowedNames(Type type, params string[] known) => AllowedNames(JsonDefaults.Options.GetTypeInfo(type), known);

    private static string[] AllowedNames(JsonTypeInfo info, string[] known) => [.. known, .. info.Properties.Select(p => p.Name)];

    /// <summary>The value to deserialize, or null with the mistake recorded on <paramref name="field"/>.</summary>
    private static JsonNode? Check(JsonPropertyInfo property, JsonElement value, string field, string code, ValidationErrors errors)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var range = Attribute<RangeAttribute>(property);
        string? problem = null;
        JsonNode? result = null;
        if (type == typeof(string))
        {
            (problem, result) = value.ValueKind == JsonValueKind.String ? Ok(JsonValue.Create(value.GetString())) : Bad("Must be a string.");
        }
        else if (type == typeof(bool))
        {
            (problem, result) = value.ValueKind is JsonValueKind.True or JsonValueKind.False ? Ok(JsonValue.Create(value.GetBoolean())) : Bad("Must be true or false.");
        }
        else if (type == typeof(int))
        {
            (problem, result) = value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var n) ? Bad("Must be an integer.")
                : range is not null && !range.IsValid(n) ? Bad($"Must be between {Text(range.Minimum)} and {Text(range.Maximum)}.")
                : Ok(JsonValue.Create(n));
        }
        else if (type == typeof(double))
        {
            var expected = range is null ? "Must be a number." : $"Must be a number between {Text(range.Minimum)} and {Text(range.Maximum)}.";
            (problem, result) = value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var n) && double.IsFinite(n) && (range is null || range.IsValid(n))
                ? Ok(JsonValue.Create(n)) : Bad(expected);
        }
        else if (type == typeof(WireTime))
        {
            (problem, result) = WireTime.Parse(value) is { } seconds ? Ok(JsonValue.Create(seconds)) : Bad(WireTime.Expected);
        }
        else if (type == typeof(WireBitrate))
        {
            (problem, result) = WireBitrate.Parse(value) is { } bitrate ? Ok(JsonValue.Create(bitrate.Text)) : Bad(WireBitrate.Expected);
        }
        else if (type.IsEnum)
        {
            var names = EnumNames(property)!;
            var text = value.ValueKind == JsonValueKind.String ? value.GetString()!.Trim().ToLowerInvariant().Replace('-', '_') : null;
            if (text is null || Array.IndexOf(names, text) < 0)
            {
                errors.Add(field, $"Must be one of: {string.Join(", ", names)}.", code, text ?? value.GetRawText(), names);
                return null;
            }

            return JsonValue.Create(text);
        }
        else if (type.IsAssignableTo(typeof(IEnumerable<string>)))
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                problem = "Must be an array of strings.";
            }
            else
            {
                var index = 0;
                var strings = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        errors.Add($"{field}[{index}]", "Must be a string.", code, item.GetRawText());
                        strings = false;
                    }

                    index++;
                }

                result = strings ? JsonNode.Parse(value.GetRawText()) : null;
            }
        }
        else
        {
            (problem, result) = value.ValueKind == JsonValueKind.Object ? Ok(JsonNode.Parse(value.GetRawText())) : Bad("Must be an object.");
        }

        if (problem is not null)
        {
            errors.Add(field, problem, code, value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText());
        }

        return result;
    }

    private static (string? Problem, JsonNode? Node) Ok(JsonNode? node) => (null, node);

    private static (string? Problem, JsonNode? Node) Bad(string problem) => (problem, null);

    /// <summary>An enum member's wire names (snake_case), restricted by <see cref="AllowedValuesAttribute"/> where it has one.</summary>
    private static string[]? EnumNames(JsonPropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (!type.IsEnum)
        {
            return null;
        }

        var names = Enum.GetNames(type).Select(n => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(n));
        return Attribute<AllowedValuesAttribute>(property) is { } only ? [.. names.Where(n => only.Values.Contains(n))] : [.. names];
    }

    private static string RequiredMessage(JsonPropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var range = Attribute<RangeAttribute>(property);
        return type switch
        {
            _ when type.IsEnum => $"Required: one of {string.Join(", ", EnumNames(property)!)}.",
            _ when range is not null && type == typeof(int) => $"Required: a whole number from {Text(range.Minimum)} to {Text(range.Maximum)}.",
            _ when range is not null => $"Required: a number from {Text(range.Minimum)} to {Text(range.Maximum)}.",
            _ => "Required.",
        };
    }

    private static T? Attribute<T>(JsonPropertyInfo property)
        where T : Attribute =>
        (property.AttributeProvider as MemberInfo)?.GetCustomAttribute<T>();

    private static string Text(object value) => Convert.ToString(value, CultureInfo.InvariantCulture)!;
}
