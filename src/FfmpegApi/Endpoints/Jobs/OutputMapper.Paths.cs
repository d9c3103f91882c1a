using FfmpegApi.Core.Storage;
using FfmpegApi.Core.Storage.Blobs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>Where an output goes: a file inside a mount, or an object in a configured store.</summary>
internal sealed partial class OutputMapper
{
    /// <summary>
    /// An object output (a file, a package's manifest, a thumbnail set's first file, a report): parsed and routed to a
    /// storage profile, or an error naming <paramref name="field"/>. Objects are uploaded when the job succeeds, so they
    /// appear whole or not at all.
    /// </summary>
    internal static string? ObjectOutput(string path, string field, BlobStores? blobs, ValidationErrors errors)
    {
        if (blobs is null)
        {
            errors.Add(field, "An object address is not accepted here; name a file in storage.", InvalidOutput);
            return null;
        }

        if (!blobs.TryResolve(path, out var address, out _, out var problem))
        {
            errors.Add(field, problem, InvalidOutput);
            return null;
        }

        return address!.ToString();
    }

    private string? ResolvePath(string path) => ResolveFile(path, $"{Root}.path", mounts, blobs, Errors);

    /// <summary>
    /// An output file, or an error naming <paramref name="field"/>: an object address routed to its store, or a path in a
    /// mount that is not a directory (<paramref name="directoryAdvice"/> follows "Names a directory; " then).
    /// </summary>
    internal static string? ResolveFile(string path, string field, StorageMounts mounts, BlobStores? blobs, ValidationErrors errors, string directoryAdvice = "give a file name.")
    {
        if (BlobAddress.LooksLikeOne(path))
        {
            return ObjectOutput(path, field, blobs, errors);
        }

        if (!mounts.TryResolve(path, out var resolved, out var error))
        {
            errors.Add(field, error, InvalidOutput);
            return null;
        }

        if (Directory.Exists(resolved!.PhysicalPath))
        {
            errors.Add(field, "Names a directory; " + directoryAdvice, InvalidOutput);
            return null;
        }

        return resolved.VirtualPath;
    }
}
