using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// Moves a finished output from the job's workspace to its final path so that readers only ever see a whole
/// file: move to a hidden temp name beside the destination (a copy when on another volume), then rename.
/// </summary>
public sealed class OutputPublisher(FfmpegTools tools)
{
    public async Task<OutputMetadata> PublishAsync(string workspaceFile, ResolvedPath destination, CancellationToken cancellationToken)
    {
        var size = Move(workspaceFile, destination);
        var (info, error) = await tools.ProbeAsync(destination.PhysicalPath, cancellationToken);
        return info is null
            ? throw new InvalidDataException($"The output could not be read back: {error}")
            : OutputMetadata.From(destination.VirtualPath, size, info);
    }

    /// <summary>Publishes a non-media output (an analysis report): same atomic move, no ffprobe read-back.</summary>
    public static OutputMetadata PublishReport(string workspaceFile, ResolvedPath destination) =>
        new(destination.VirtualPath, Move(workspaceFile, destination), null, "json", null, null, null, null, null, null, null);

    /// <summary>
    /// Publishes a package directory (HLS/DASH): renamed into place whole, so players never see half a package.
    /// Returns the total size. The destination must not exist (checked at submit; re-checked here).
    /// </summary>
    public static long PublishDirectory(string workspaceDirectory, string destinationDirectory)
    {
        if (Directory.Exists(destinationDirectory) && Directory.EnumerateFileSystemEntries(destinationDirectory).Any())
        {
            throw new IOException("The output directory already exists and is not empty.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(destinationDirectory)!);
        if (Directory.Exists(destinationDirectory))
        {
            Directory.Delete(destinationDirectory);
        }

        Directory.Move(workspaceDirectory, destinationDirectory);
        return new DirectoryInfo(destinationDirectory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
    }

    private static long Move(string workspaceFile, ResolvedPath destination)
    {
        var dir = Path.GetDirectoryName(destination.PhysicalPath)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(destination.PhysicalPath)}.{Guid.NewGuid():N}.partial");
        try
        {
            File.Move(workspaceFile, temp);
            File.Move(temp, destination.PhysicalPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }

        return new FileInfo(destination.PhysicalPath).Length;
    }
}
