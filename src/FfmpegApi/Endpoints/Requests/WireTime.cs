using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FfmpegApi.Endpoints.Requests;

/// <summary>
/// A point or length of time in a request: seconds as a number (<c>12.5</c>) or a timestamp string (<c>"00:01:02.5"</c>,
/// <c>"62.5"</c>), at most a week. The OpenAPI document shows it as a number or a string (<see cref="OpenApiSchemas"/>).
/// </summary>
[JsonConverter(typeof(WireTimeConverter))]
public readonly record struct WireTime(double Seconds)
{
    /// <summary>The longest time a request may name.</summary>
    public const double MaxSeconds = 7 * 24 * 3600;

    public const string Expected = "Must be seconds (a non-negative number) or a timestamp like \"00:01:30.5\".";

    /// <summary>The seconds <paramref name="value"/> names, or null when it is neither form or out of range.</summary>
    public static double? Parse(JsonElement value)
    {
        double? seconds = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetDouble(out var n) => n,
            JsonValueKind.String => ParseTimestamp(value.GetString()!),
            _ => null,
        };
        return seconds is { } s && double.IsFinite(s) && s >= 0 && s <= MaxSeconds ? s : null;
    }

    /// <summary><c>"hh:mm:ss.ms"</c>, <c>"mm:ss"</c> or <c>"ss.ms"</c> → seconds.</summary>
    public static double? ParseTimestamp(string text)
    {
        var parts = text.Trim().Split(':');
        if (parts.Length > 3)
        {
            return null;
        }

        double total = 0;
        foreach (var part in parts)
        {
            if (!double.TryParse(part, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v))
            {
                return null;
            }

            total = (total * 60) + v;
        }

        return total;
    }
}

internal sealed class WireTimeConverter : JsonConverter<WireTime>
{
    public override WireTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return WireTime.Parse(document.RootElement) is { } seconds ? new WireTime(seconds) : throw new JsonException(WireTime.Expected);
    }

    public override void Write(Utf8JsonWriter writer, WireTime value, JsonSerializerOptions options) => writer.WriteNumberValue(value.Seconds);
}
