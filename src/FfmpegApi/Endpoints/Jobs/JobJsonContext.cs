using System.Text.Json;
using System.Text.Json.Serialization;
using FfmpegApi.Core.Jobs;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// Source-generated JSON for the job views the read path serves (no reflection per request). Same names and enum
/// values as <see cref="JsonDefaults"/>: <c>JobReadPathTests</c> checks that both write the same bytes for every kind.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DictionaryKeyPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(JobView))]
internal sealed partial class JobJsonContext : JsonSerializerContext
{
    /// <summary>The context over the service's options (its enum converter writes snake_case values).</summary>
    public static JobJsonContext Service { get; } = new(JsonDefaults.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web)));
}
