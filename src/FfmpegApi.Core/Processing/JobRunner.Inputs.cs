using System.Globalization;
using System.Text.RegularExpressions;
using FfmpegApi.Core.Storage;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Core.Storage.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FfmpegApi.Core.Processing;

/// <summary>Inputs outside the mounts (http/https URLs, object-store addresses): copied into the workspace before anything reads them.</summary>
public sealed partial class JobRunner
{
    private async Task<ResolvedPath> FetchInputAsync(string url, RunState state)
    {
        var shown = InputSources.Redact(url);
        Publish(state, state.Last with { Stage = "downloading" });
        state.Run.Log.Add(Line($"downloading {shown}"));
        var index = Interlocked.Increment(ref state.StagedInputs);
        var staged = Path.Combine(state.Workspace, $"remote-{index.ToString(CultureInfo.InvariantCulture)}{ExtensionOf(url)}");
        try
        {
            var bytes = await inputSources.StageAsync(url, staged, state.Run.Token);
            state.Run.Log.Add(Line($"downloaded {shown}: {bytes} bytes"));
        }
        catch (RemoteInputException failure)
        {
            throw new JobFailure(failure.Code, failure.Message, failure.Transient);
        }

        Publish(state, state.Last with { Stage = "probing" });
        return new ResolvedPath(shown, staged, "remote");
    }

    /// <summary>
    /// <c>input_access: stream</c>: ffmpeg and ffprobe read the object through a presigned URL (no staging copy; the
    /// size limit is checked on the object's size). Null when the store cannot presign: the input is staged instead.
    /// </summary>
    private async Task<ResolvedPath?> StreamInputAsync(string address, TimeSpan validFor, RunState state)
    {
        Uri? url;
        try
        {
            url = await inputSources.PresignAsync(address, validFor, state.Run.Token);
        }
        catch (RemoteInputException failure)
        {
            throw new JobFailure(failure.Code, failure.Message, failure.Transient);
        }

        if (url is null)
        {
            state.Run.Log.Add(Line($"{address}: its store cannot presign; staging a copy instead"));
            return null;
        }

        state.Hide(url.AbsoluteUri, address);
        state.Run.Log.Add(Line($"reading {address} directly (presigned URL, no staging copy)"));
        return new ResolvedPath(address, url.AbsoluteUri, "url");
    }

    /// <summary>The job's inline credentials, opened for its run (its object addresses resolve with them).</summary>
    private IDisposable OpenCredentials(Media.Specs.JobSpec spec)
    {
        try
        {
            return inputSources.Credentials?.Open(spec.SealedCredentials) ?? BlobStores.NoScope;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            throw new JobFailure("INVALID_INPUT", "The job's inline credentials can no longer be opened (the server's key ring changed); submit the job again.");
        }
    }

    /// <summary>An uploaded file of the job's tenant (read in place: it is already on this service's volume).</summary>
    private async Task<ResolvedPath> ResolveUploadAsync(string id, RunState state)
    {
        await using var scope = scopes.CreateAsyncScope();
        var (path, _, problem) = await scope.ServiceProvider.GetRequiredService<UploadStore>().ResolveAsync(state.Job.TenantId, id, state.Run.Token);
        return path is null ? throw new JobFailure("INVALID_INPUT", problem!) : new ResolvedPath(Upload.Scheme + id, path, "uploads");
    }

    /// <summary>
    /// Where an output goes: a file in a mount, or an object (<see cref="OutputPublisher.ObjectMount"/>; its physical
    /// path is only a name in the workspace that carries the extension).
    /// </summary>
    private ResolvedPath ResolveOutput(string path, string workspace)
    {
        if (BlobAddress.LooksLikeOne(path))
        {
            return inputSources.Blobs.TryResolve(path, out _, out _, out var problem)
                ? new ResolvedPath(path, Path.Combine(workspace, "object", SafeFileName(path)), OutputPublisher.ObjectMount)
                : throw new JobFailure("INVALID_OUTPUT", problem);
        }

        return mounts.TryResolve(path, out var output, out var error) ? output! : throw new JobFailure("INVALID_OUTPUT", error);
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
