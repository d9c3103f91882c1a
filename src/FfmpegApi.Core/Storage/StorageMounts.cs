using FfmpegApi.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Storage;

/// <summary>A path a job body names, mapped to a file on disk inside a configured mount.</summary>
public sealed record ResolvedPath(string VirtualPath, string PhysicalPath, string Mount);

/// <summary>
/// The local-storage sandbox. Job bodies name files as <c>/{mount}/relative/path</c>; only configured mounts
/// exist (the default <c>storage</c> is <c>{DataDir}/storage</c>). <c>..</c> segments, other absolute paths and
/// symlinks that lead out of the mount are refused.
/// </summary>
public sealed class StorageMounts
{
    public const string DefaultMount = "storage";

    private readonly Dictionary<string, string> _roots;
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);

    public StorageMounts(IOptions<StorageOptions> options)
    {
        var storage = options.Value;
        _roots = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [DefaultMount] = Path.Combine(storage.FullDataDir, "storage"),
        };
        foreach (var (name, dir) in storage.Mounts)
        {
            _roots[name] = Path.GetFullPath(dir);
        }
    }

    private StorageMounts(StorageMounts source, IEnumerable<string> pendingOutputs)
    {
        _roots = source._roots;
        _pending = new HashSet<string>(pendingOutputs, StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, string> Roots => _roots;

    /// <summary>
    /// The same sandbox, for mapping a batch job whose dependencies will write <paramref name="pendingOutputs"/> (virtual
    /// paths) before it runs: those count as existing inputs although they do not exist yet.
    /// </summary>
    public StorageMounts WithPendingOutputs(IEnumerable<string> pendingOutputs) => new(this, pendingOutputs);

    /// <summary>Whether a job this one depends on will write <paramref name="path"/> (see <see cref="WithPendingOutputs"/>).</summary>
    public bool IsPendingOutput(ResolvedPath path) => _pending.Contains(path.VirtualPath);

    /// <summary>Resolves a virtual path; returns false with a client-safe reason when it is not allowed.</summary>
    public bool TryResolve(string? virtualPath, out ResolvedPath? resolved, out string error)
    {
        resolved = null;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(virtualPath) || virtualPath.Contains('\0', StringComparison.Ordinal) || virtualPath.Length > 4096)
        {
            error = "Path is empty or malformed.";
            return false;
        }

        var normalized = virtualPath.Replace('\\', '/');
        if (!normalized.StartsWith('/'))
        {
            error = $"Path must start with a storage mount, e.g. /{DefaultMount}/input/video.mp4.";
            return false;
        }

        var segments = normalized.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2 || !_roots.TryGetValue(segments[0], out var root))
        {
            error = $"Path is outside the configured storage mounts ({string.Join(", ", _roots.Keys.Select(k => "/" + k))}).";
            return false;
        }

        if (segments.Any(s => s is "." or ".."))
        {
            error = "Path must not contain '.' or '..' segments.";
            return false;
        }

        var physical = Path.GetFullPath(Path.Combine([root, .. segments[1..]]));
        if (!IsUnder(physical, root) || EscapesThroughSymlink(root, segments[1..]))
        {
            error = "Path leads outside its storage mount.";
            return false;
        }

        resolved = new ResolvedPath("/" + string.Join('/', segments), physical, segments[0]);
        return true;
    }

    /// <summary>Replaces physical mount roots in a message (e.g. ffmpeg stderr) with their virtual names.</summary>
    public string Sanitize(string message)
    {
        foreach (var (name, root) in _roots.OrderByDescending(r => r.Value.Length))
        {
            message = message.Replace(root, "/" + name, StringComparison.Ordinal);
        }

        return message;
    }

    private static bool IsUnder(string path, string root) =>
        path.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>Walks the existing part of the path; any symlink must resolve to a place inside the mount.</summary>
    private static bool EscapesThroughSymlink(string root, string[] relativeSegments)
    {
        var realRoot = RealPath(root);
        var current = root;
        foreach (var segment in relativeSegments)
        {
            current = Path.Combine(current, segment);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (!info.Exists)
            {
                return false;
            }

            if (info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                if (target is null || !IsUnder(RealPath(target.FullName), realRoot))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string RealPath(string path)
    {
        var info = new DirectoryInfo(path);
        return info.Exists && info.LinkTarget is not null
            ? info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path
            : path;
    }
}
