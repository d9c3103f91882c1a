using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Storage;
using FfmpegApi.Endpoints.Jobs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Requests.Operations;

/// <summary>The files operations name (watermark images, joined inputs, subtitles): each must be a non-empty file in a mount.</summary>
internal sealed class OperationFiles(StorageMounts mounts, long maxFileBytes)
{
    /// <summary>
    /// A non-empty file inside a mount, or null with the reason recorded on <paramref name="field"/>: missing text, a
    /// path outside the mounts, a failed <paramref name="check"/> (its message), or no such file.
    /// </summary>
    public ResolvedPath? Existing(string? text, string field, ValidationErrors errors, string required, string what, Func<ResolvedPath, string?>? check = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(field, required, InvalidOperation);
            return null;
        }

        if (!mounts.TryResolve(text, out var resolved, out var error))
        {
            errors.Add(field, error, InvalidOperation, text);
            return null;
        }

        if (check?.Invoke(resolved!) is { } problem)
        {
            errors.Add(field, problem, InvalidOperation, resolved!.VirtualPath);
            return null;
        }

        if (mounts.IsPendingOutput(resolved!))
        {
            return resolved;
        }

        var length = File.Exists(resolved!.PhysicalPath) ? new FileInfo(resolved.PhysicalPath).Length : 0;
        if (length == 0)
        {
            errors.Add(field, $"{what} not found: {resolved.VirtualPath}", InvalidOperation);
            return null;
        }

        if (length > maxFileBytes)
        {
            errors.Add(field, $"{what} is {JobOptions.Describe(length)}; this server accepts up to {JobOptions.Describe(maxFileBytes)} (Jobs:MaxInputBytes).", InvalidOperation);
            return null;
        }

        return resolved;
    }
}
