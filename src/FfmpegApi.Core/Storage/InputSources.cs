using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Core.Storage.Http;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Storage;

/// <summary>
/// Inputs that do not live in a local mount: http(s) URLs (through the SSRF guard) and object-store addresses
/// (<c>s3://bucket/key</c>, through a storage profile). Both are checked at submit without traffic and staged into the
/// job's workspace before the run, within <c>Jobs:MaxInputBytes</c>; ffmpeg only ever reads local files.
/// </summary>
public sealed class InputSources(RemoteInputFetcher http, BlobStores blobs, IOptions<JobOptions> jobs, InlineCredentials? credentials = null)
{
    /// <summary>Sealing of inline credentials (null where the host has none: then they are refused).</summary>
    public InlineCredentials? Credentials => credentials;

    /// <summary>The object stores (also where outputs named <c>s3://…</c> go).</summary>
    public BlobStores Blobs => blobs;

    /// <summary>Whether a job names this input outside the mounts.</summary>
    public static bool IsExternal(string? input) => RemoteInputFetcher.IsRemote(input) || BlobAddress.LooksLikeOne(input) || Upload.IdOf(input) is not null;

    /// <summary>What logs and errors show: URLs without their query string.</summary>
    public static string Redact(string input) => RemoteInputFetcher.IsRemote(input) ? RemoteInputFetcher.Redact(input) : input;

    /// <summary>The submit-time check (no traffic); null when fine, else a client-safe reason.</summary>
    public string? Check(string input) =>
        RemoteInputFetcher.IsRemote(input) ? http.Check(input)
        : Upload.IdOf(input) is { } id ? (Guid.TryParse(id, out _) ? null : "Must look like upload://{id} with the id POST /api/v1/uploads returned.")
        : blobs.TryResolve(input, out _, out _, out var error) ? null : error;

    /// <summary>Copies the input to <paramref name="destination"/>; returns its size. Failures are <see cref="RemoteInputException"/>.</summary>
    public async Task<long> StageAsync(string input, string destination, CancellationToken cancellationToken)
    {
        if (RemoteInputFetcher.IsRemote(input))
        {
            return await http.FetchAsync(input, destination, cancellationToken);
        }

        if (!blobs.TryResolve(input, out var address, out var store, out var error))
        {
            throw new RemoteInputException("INVALID_INPUT", error, transient: false);
        }

        try
        {
            await StatWithinLimitAsync(input, address!, store!, cancellationToken);
            await using var source = await store!.OpenReadAsync(address!.Container, address.Key, cancellationToken);
            await using var target = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await source.CopyToAsync(target, cancellationToken);
            return target.Length;
        }
        catch (Exception e) when (IsStoreFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            File.Delete(destination);
            throw new RemoteInputException("INPUT_UNAVAILABLE", $"Could not read {input}: {e.Message}", transient: true);
        }
        catch (BlobNotFoundException)
        {
            throw new RemoteInputException("INVALID_INPUT", $"Input not found: {input}", transient: false);
        }
    }

    /// <summary>
    /// For <c>input_access: stream</c>: a URL ffmpeg reads the object through (no staging copy), valid for
    /// <paramref name="validFor"/>; the object is checked to exist and to be within <c>Jobs:MaxInputBytes</c> first.
    /// Null when its store cannot presign (the caller stages it instead).
    /// </summary>
    public async Task<Uri?> PresignAsync(string input, TimeSpan validFor, CancellationToken cancellationToken)
    {
        if (!blobs.TryResolve(input, out var address, out var store, out var error))
        {
            throw new RemoteInputException("INVALID_INPUT", error, transient: false);
        }

        try
        {
            await StatWithinLimitAsync(input, address!, store!, cancellationToken);
            return await store!.PresignReadAsync(address!.Container, address.Key, validFor, cancellationToken);
        }
        catch (Exception e) when (IsStoreFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw new RemoteInputException("INPUT_UNAVAILABLE", $"Could not reach {input}: {e.Message}", transient: true);
        }
    }

    private async Task StatWithinLimitAsync(string input, BlobAddress address, IBlobStore store, CancellationToken cancellationToken)
    {
        var info = await store.StatAsync(address.Container, address.Key, cancellationToken)
            ?? throw new RemoteInputException("INVALID_INPUT", $"Input not found: {input}", transient: false);
        if (info.Size > jobs.Value.MaxInputBytes)
        {
            throw new RemoteInputException("INVALID_INPUT", $"{input} is {JobOptions.Describe(info.Size)}; this server accepts up to {JobOptions.Describe(jobs.Value.MaxInputBytes)} (Jobs:MaxInputBytes).", transient: false);
        }
    }

    /// <summary>A store's own failure (unreachable, refused, a damaged transfer): worth retrying later.</summary>
    private static bool IsStoreFailure(Exception e) =>
        e is Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or Azure.RequestFailedException or HttpRequestException or IOException;
}
