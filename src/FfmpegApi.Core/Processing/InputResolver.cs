using System.Globalization;
using System.Text.RegularExpressions;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Storage;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Core.Storage.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// Where a run's files are: inputs (a mount path re-checked against the sandbox, an upload, a URL or object staged
/// into the workspace, or a presigned URL for <c>input_access: stream</c>) and outputs (a mount path or an object).
/// </summary>
internal sealed partial class InputResolver(IServiceScopeFactory scopes, StorageMounts mounts, InputSources inputSources, IOptions<JobOptions> jobOptions)
{
    /// <summary>
    /// An input named by a spec: a storage path re-checked against the sandbox (it may have changed since submission),
    /// or a URL downloaded into the workspace first (ffmpeg then reads a local file).
    /// </summary>
    public async Task<ResolvedPath> ResolveInputAsync(JobRun run, string virtualPath, CancellationToken cancellationToken)
    {
        var resolved = await ResolveAsync(run, virtualPath, cancellationToken);
        if (File.Exists(resolved.PhysicalPath))
        {
            // Metered per key (usage); an object read straight from its store by a presigned URL is not a file here.
            run.CountInput(new FileInfo(resolved.PhysicalPath).Length);
        }

        return resolved;
    }

    private async Task<ResolvedPath> ResolveAsync(JobRun run, string virtualPath, CancellationToken cancellationToken)
    {
        if (Upload.IdOf(virtualPath) is { } uploadId)
        {
            return await ResolveUploadAsync(run, uploadId, cancellationToken);
        }

        if (run.StreamFor is { } validFor && BlobAddress.LooksLikeOne(virtualPath) && await StreamInputAsync(run, virtualPath, validFor, cancellationToken) is { } streamed)
        {
            return streamed;
        }

        if (InputSources.IsExternal(virtualPath))
        {
            return await FetchInputAsync(run, virtualPath, cancellationToken);
        }

        return ResolveLocalInput(virtualPath);
    }

    /// <summary>A file in a mount: inside the sandbox, a regular non-empty file, within <c>Jobs:MaxInputBytes</c>.</summary>
    public ResolvedPath ResolveLocalInput(string virtualPath)
    {
        if (!mounts.TryResolve(virtualPath, out var input, out var inputError) || !File.Exists(input!.PhysicalPath))
        {
            throw new JobFailure("INVALID_INPUT", input is null ? inputError : $"Input file not found: {virtualPath}");
        }

        var length = new FileInfo(input.PhysicalPath).Length;
        if (length == 0)
        {
            // FIFOs and device nodes report size 0 (and would block or never end).
            throw new JobFailure("INVALID_INPUT", $"Input is empty or not a regular file: {virtualPath}");
        }

        if (length > jobOptions.Value.MaxInputBytes)
        {
            throw new JobFailure("INVALID_INPUT", $"Input is {JobOptions.Describe(length)}; this server accepts up to {JobOptions.Describe(jobOptions.Value.MaxInputBytes)}.");
        }

        return input;
    }

    /// <summary>
    /// Where an output goes: a file in a mount, or an object (<see cref="OutputPublisher.ObjectMount"/>; its physical
    /// path is only a name in the workspace that carries the extension).
    /// </summary>
    public ResolvedPath ResolveOutput(string path, string workspace)
    {
        if (BlobAddress.LooksLikeOne(path))
        {
            return inputSources.Blobs.TryResolve(path, out _, out _, out var problem)
                ? new ResolvedPath(path, Path.Combine(workspace, "object", SafeFileName(path)), OutputPublisher.ObjectMount)
                : throw new JobFailure("INVALID_OUTPUT", problem);
        }

        return mounts.TryResolve(path, out var output, out var error) ? output! : throw new JobFailure("INVALID_OUTPUT", error);
    }

    /// <summary>The job's inline credentials, opened for its run (its object addresses resolve with them).</summary>
    public IDisposable OpenCredentials(IReadOnlyDictionary<string, string>? sealedCredentials)
    {
        try
        {
            return inputSources.Credentials?.Open(sealedCredentials) ?? BlobStores.NoScope;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            throw new JobFailure("INVALID_INPUT", "The job's inline credentials can no longer be opened (the server's key ring changed); submit the job again.");
        }
    }

    private async Task<ResolvedPath> FetchInputAsync(JobRun run, string url, CancellationToken cancellationToken)
    {
        var shown = InputSources.Redact(url);
        run.Stage("downloading");
        run.Log($"downloading {shown}");
        var staged = Path.Combine(run.Workspace, $"remote-{run.NextStagedInput().ToString(CultureInfo.InvariantCulture)}{ExtensionOf(url)}");
        try
        {
            var bytes = await inputSources.StageAsync(url, staged, cancellationToken);
            run.Log($"downloaded {shown}: {bytes} bytes");
        }
        catch (RemoteInputException failure)
        {
            throw new JobFailure(failure.Code, failure.Message, failure.Transient);
        }

        run.Stage("probing");
        return new ResolvedPath(shown, staged, "remote");
    }

    /// <summary>
    /// <c>input_access: stream</c>: ffmpeg and ffprobe read the object through a presigned URL (no staging copy; the
    /// size limit is checked on the object's size). Null when the store cannot presign: the input is staged instead.
    /// </summary>
    private async Task<ResolvedPath?> StreamInputAsync(JobRun run, string address, TimeSpan validFor, CancellationToken cancellationToken)
    {
        Uri? url;
        try
        {
            url = await inputSources.PresignAsync(address, validFor, cancellationToken);
        }
        catch (RemoteInputException failure)
        {
            throw new JobFailure(failure.Code, failure.Message, failure.Transient);
        }

        if (url is null)
        {
            run.Log($"{address}: its store cannot presign; staging a copy instead");
            return null;
        }

        run.Hide(url.AbsoluteUri, address);
        run.Log($"reading {address} directly (presigned URL, no staging copy)");
        return new ResolvedPath(address, url.AbsoluteUri, "url");
    }

    /// <summary>An uploaded file of the job's tenant (read in place: it is already on this service's volume).</summary>
    private async Task<ResolvedPath> ResolveUploadAsync(JobRun run, string id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var (path, _, problem) = await scope.ServiceProvider.GetRequiredService<UploadStore>().ResolveAsync(run.Job.TenantId, id, cancellationToken);
        return path is null ? throw new JobFailure("INVALID_INPUT", problem!) : new ResolvedPath(Upload.Scheme + id, path, "uploads");
    }

    /// <summary>The last segment of an address as a local file name (its extension kept when it looks like one).</summary>
    private static string SafeFileName(string address)
    {
        var name = address[(address.LastIndexOf('/') + 1)..];
        return name.Length > 0 && name.Length <= 100 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_') && name.Trim('.').Length > 0
            ? name
            : "output" + ExtensionOf(address);
    }

    /// <summary>The URL path's extension when it looks like one (ffmpeg guesses some formats from it), else none.</summary>
    private static string ExtensionOf(string url)
    {
        var extension = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? Path.GetExtension(uri.AbsolutePath) : Path.GetExtension(url);
        return SafeExtension().IsMatch(extension) ? extension.ToLowerInvariant() : string.Empty;
    }

    [GeneratedRegex("^\\.[A-Za-z0-9]{1,8}$")]
    private static partial Regex SafeExtension();
}
