using FfmpegApi.Endpoints.Jobs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Requests.Operations;

/// <summary>
/// Where one operation is being turned into its spec: its path in the body (<c>operations[2]</c>), the errors of the
/// request, the files it may name, and the upscale models.
/// </summary>
internal sealed record OperationScope(string Path, ValidationErrors Errors, OperationFiles Files, UpscaleModelCheck? UpscaleModels)
{
    /// <summary>Where each field given was written (<c>operations[0].params.scale</c> when it came in <c>params</c>).</summary>
    public IReadOnlyDictionary<string, string> Given { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The path of one of the operation's fields, as the request wrote it.</summary>
    public string Field(string name) => Given.TryGetValue(name, out var given) ? given : JsonFields.Join(Path, name);

    /// <summary>Records a mistake on the operation (<paramref name="name"/> null) or one of its fields; answers null.</summary>
    public T? Fail<T>(string? name, string message, string? value = null, IReadOnlyList<string>? allowed = null)
        where T : class
    {
        Errors.Add(name is null ? Path : Field(name), message, InvalidOperation, value, allowed);
        return null;
    }
}
