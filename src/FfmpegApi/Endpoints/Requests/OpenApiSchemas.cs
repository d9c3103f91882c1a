using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FfmpegApi.Endpoints.Requests;

/// <summary>
/// Where the OpenAPI document's schemas need more than the request records' own contract says: numbers are numbers (the
/// house JSON options would also read <c>"5"</c> for 5, and the generator says so, but request bodies are checked by
/// <see cref="RecordFields"/> and <c>JsonFields</c>, which refuse a number in a string), a <see cref="WireTime"/> is
/// seconds or a timestamp string, and a <see cref="WireBitrate"/> bits per second or a string with a unit.
/// </summary>
internal static class OpenApiSchemas
{
    public static Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
        if (type == typeof(WireTime))
        {
            schema.Type = JsonSchemaType.Number | JsonSchemaType.String;
            schema.Format = null;
            schema.Properties?.Clear();
            schema.Pattern = @"^(\d+:){0,2}\d+(\.\d+)?$";
            schema.Description = "Seconds (a non-negative number) or a timestamp string such as \"00:01:30.5\".";
        }
        else if (type == typeof(WireBitrate))
        {
            schema.Type = JsonSchemaType.Integer | JsonSchemaType.String;
            schema.Format = null;
            schema.Properties?.Clear();
            schema.Pattern = @"^\d+(\.\d+)?[kKmMgG]?$";
            schema.Description = "Bits per second, or a string with a unit such as \"2500k\" or \"5M\".";
        }
        else if (schema.Type is { } kinds && (kinds & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (kinds & JsonSchemaType.String) != 0)
        {
            schema.Type = kinds & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        return Task.CompletedTask;
    }
}
