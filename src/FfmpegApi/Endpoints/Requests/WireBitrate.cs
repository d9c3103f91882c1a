using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Endpoints.Requests;

/// <summary>
/// A bitrate in a request: bits per second as a number (<c>2500000</c>) or a string with a unit (<c>"2500k"</c>,
/// <c>"2.5M"</c>), 1 kbit/s to 1 Gbit/s. <see cref="Text"/> is what output settings take.
/// </summary>
[JsonConverter(typeof(WireBitrateConverter))]
public readonly record struct WireBitrate(string Text)
{
    public const string Expected = "Must be a bitrate: bits per second, or a string such as \"2500k\" or \"5M\" (1k to 1G).";

    /// <summary>The bitrate <paramref name="value"/> names, or null when it is neither form or out of range.</summary>
    public static WireBitrate? Parse(JsonElement value)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var n) => n.ToString(CultureInfo.InvariantCulture),
            JsonValueKind.String => value.GetString()!.Trim(),
            _ => null,
        };
        return text is not null && Bitrate.TryParse(text, out _) ? new WireBitrate(text) : null;
    }
}

internal sealed class WireBitrateConverter : JsonConverter<WireBitrate>
{
    public override WireBitrate Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return WireBitrate.Parse(document.RootElement) ?? throw new JsonException(WireBitrate.Expected);
    }

    public override void Write(Utf8JsonWriter writer, WireBitrate value, JsonSerializerOptions options) => writer.WriteStringValue(value.Text);
}
