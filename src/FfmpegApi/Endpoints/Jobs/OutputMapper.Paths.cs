using FfmpegApi.Core.Storage;
using FfmpegApi.Core.Storage.Blobs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>Where an output goes: a file inside a mount, or an object in a configured store.</summary>
internal sealed partial class OutputMapper
{
    private string? ResolvePath(string path)
    {
        if (BlobAddress.LooksLikeOne(path))
        {
            // Uploaded when the job succeeds (the object appears whole or not at all).
            if (blobs is null)
            {
                Errors.Add($"{Root}.path", "An object address is not accepted here; name a file in storage.", InvalidOutput);
                return null;
            }

            if (!blobs.TryResolve(path, out var address, out _, out var problem))
            {
                Errors.Add($"{Root}.path", problem, InvalidOutput);
                return null;
            }

            return address!.ToString();
        }

        if (!mounts.TryResolve(path, out var resolved, out var error))
        {
            Errors.Add($"{Root}.path", error, InvalidOutput);
            return null;
        }

        if (Directory.Exists(resolved!.PhysicalPath))
        {
            Errors.Add($"{Root}.path", "Names a directory; give a file name.", InvalidOutput);
            return null;
        }

        return resolved.VirtualPath;
    }
}
