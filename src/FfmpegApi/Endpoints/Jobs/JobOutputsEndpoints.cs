using System.Text.Json;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Errors;
using FfmpegApi.Media.Specs;
using FfmpegApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>One file a completed job published: where, how big, its SHA-256 (media outputs and reports), and how to fetch it.</summary>
public sealed record JobOutputFileView(int Index, string Path, long SizeBytes, string? Sha256, string ContentType, string DownloadUrl);

public sealed record JobOutputsResponse(string JobId, IReadOnlyList<JobOutputFileView> Outputs);

/// <summary>
/// <c>GET /jobs/{id}/outputs</c> lists everything a completed job published (every output of a conversion, every file
/// of an HLS/DASH package or thumbnail set); <c>GET /jobs/{id}/outputs/{index}</c> downloads one: local files with
/// Range support, objects by a redirect to a 15-minute presigned URL (streamed through where a store cannot presign).
/// </summary>
public static class JobOutputsEndpoints
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static RouteGroupBuilder MapJobOutputs(this RouteGroupBuilder jobs)
    {
        jobs.MapGet("/{id}/outputs", ListAsync).WithName("ListJobOutputs").WithSummary("Every file a completed job published, with size and SHA-256")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapGet("/{id}/outputs/{index:int}", DownloadAsync).WithName("DownloadJobOutputFile").WithSummary("Download one published file (Range supported; objects redirect to a presigned URL)")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return jobs;
    }

    internal static async Task<Results<Ok<JobOutputsResponse>, ProblemHttpResult>> ListAsync(
        HttpContext context, AppDbContext db, StorageMounts mounts, BlobStores blobs, string id, CancellationToken cancellationToken)
    {
        var (job, problem) = await CompletedAsync(context, db, id, "its outputs are listed", cancellationToken);
        if (job is null)
        {
            return problem!;
        }

        using var keys = OpenCredentials(context, job);
        var files = await FilesAsync(job, mounts, blobs, cancellationToken);
        var views = new List<JobOutputFileView>();
        foreach (var (file, index) in files.Select((f, i) => (f, i)))
        {
            var url = $"/api/v1/jobs/{id}/outputs/{index}";
            if (BlobAddress.LooksLikeOne(file.Path) && blobs.TryResolve(file.Path, out var address, out var store, out _)
                && await store!.PresignReadAsync(address!.Container, address.Key, TimeSpan.FromMinutes(15), cancellationToken) is { } presigned)
            {
                url = presigned.AbsoluteUri;
            }

            views.Add(new JobOutputFileView(index, file.Path, file.Size, file.Sha256, ContentTypeOf(file.Path), url));
        }

        return TypedResults.Ok(new JobOutputsResponse(id, views));
    }

    internal static async Task<Results<PhysicalFileHttpResult, RedirectHttpResult, FileStreamHttpResult, ProblemHttpResult>> DownloadAsync(
        HttpContext context, AppDbContext db, StorageMounts mounts, BlobStores blobs, string id, int index, CancellationToken cancellationToken)
    {
        var (job, problem) = await CompletedAsync(context, db, id, "its outputs are listed", cancellationToken);
        if (job is null)
        {
            return problem!;
        }

        using var keys = OpenCredentials(context, job);
        var files = await FilesAsync(job, mounts, blobs, cancellationToken);
        if (index < 0 || index >= files.Count)
        {
            return ApiProblem.Create(context, 404, ErrorCodes.NotFound, $"This job published {files.Count} file(s); there is no index {index}.");
        }

        return await FileAsync(context, mounts, blobs, files[index].Path, cancellationToken);
    }

    /// <summary>
    /// One published file: a local file with Range support, or an object by a redirect to a 15-minute presigned URL
    /// (streamed through where the store cannot presign); 404 when it is gone.
    /// </summary>
    internal static async Task<Results<PhysicalFileHttpResult, RedirectHttpResult, FileStreamHttpResult, ProblemHttpResult>> FileAsync(
        HttpContext context, StorageMounts mounts, BlobStores blobs, string path, CancellationToken cancellationToken)
    {
        if (BlobAddress.LooksLikeOne(path))
        {
            if (!blobs.TryResolve(path, out var address, out var store, out _) || await store!.StatAsync(address!.Container, address.Key, cancellationToken) is null)
            {
                return ApiProblem.Create(context, 404, ErrorCodes.NotFound, "The output object no longer exists (or its storage profile was removed).");
            }

            return await store.PresignReadAsync(address.Container, address.Key, TimeSpan.FromMinutes(15), cancellationToken) is { } url
                ? TypedResults.Redirect(url.AbsoluteUri)
                : TypedResults.Stream(await store.OpenReadAsync(address.Container, address.Key, cancellationToken), ContentTypeOf(path), Path.GetFileName(address.Key));
        }

        return mounts.TryResolve(path, out var resolved, out _) && File.Exists(resolved!.PhysicalPath)
            ? TypedResults.PhysicalFile(resolved.PhysicalPath, ContentTypeOf(path), Path.GetFileName(resolved.PhysicalPath), enableRangeProcessing: true)
            : ApiProblem.Create(context, 404, ErrorCodes.NotFound, "The output file no longer exists.");
    }

    /// <summary>The job's inline credentials, opened while its objects are listed or presigned (nothing when it has none or they no longer open).</summary>
    internal static IDisposable OpenCredentials(HttpContext context, Job job)
    {
        try
        {
            return context.RequestServices.GetRequiredService<InlineCredentials>().Open(job.Delivery().SealedCredentials);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return BlobStores.NoScope;
        }
    }

    /// <summary>The caller's job once it has completed; else 404 (unknown or another tenant's) or 409 saying <paramref name="then"/> happens once it has.</summary>
    internal static async Task<(Job? Job, ProblemHttpResult? Problem)> CompletedAsync(HttpContext context, AppDbContext db, string id, string then, CancellationToken cancellationToken)
    {
        var job = await db.FindVisibleAsync(Caller.From(context.User), id, cancellationToken);
        if (job is null)
        {
            return (null, JobsEndpoints.NotFound(context));
        }

        return job.Status == JobStatus.Completed
            ? (job, null)
            : (null, ApiProblem.Create(context, 409, ErrorCodes.OutputNotReady, $"Job is {JobStateMachine.ToWire(job.Status)}; {then} once it has completed."));
    }

    /// <summary>What the job published, in a stable order: media outputs (and reports) as recorded; packages and thumbnail sets file by file.</summary>
    private static async Task<List<(string Path, long Size, string? Sha256)>> FilesAsync(Job job, StorageMounts mounts, BlobStores blobs, CancellationToken cancellationToken)
    {
        var spec = job.Spec();
        var fileSet = spec is StreamSpec or ThumbnailsSpec;
        if (fileSet && BlobAddress.LooksLikeOne(spec.Output.Path) && blobs.TryResolve(spec.Output.Path, out var manifest, out var store, out _))
        {
            var prefix = manifest!.Key[..(manifest.Key.LastIndexOf('/') + 1)];
            var objects = new List<(string, long, string?)>();
            await foreach (var item in store!.ListAsync(manifest.Container, prefix, cancellationToken))
            {
                objects.Add(($"{manifest.Scheme}://{manifest.Container}/{item.Key}", item.Size, null));
            }

            return objects;
        }

        if (fileSet)
        {
            if (!mounts.TryResolve(spec.Output.Path, out var resolved, out _))
            {
                return [];
            }

            var directory = Path.GetDirectoryName(resolved!.PhysicalPath)!;
            var virtualDirectory = resolved.VirtualPath[..resolved.VirtualPath.LastIndexOf('/')];
            return Directory.Exists(directory)
                ? [.. Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                    .Select(f => (virtualDirectory + "/" + Path.GetRelativePath(directory, f).Replace('\\', '/'), new FileInfo(f).Length, (string?)null))]
                : [];
        }

        if (spec.AllOutputs.Count > 1 && job.ResultJson is not null && JsonSerializer.Deserialize<ConvertResult>(job.ResultJson, JsonDefaults.Options) is { } result)
        {
            return [.. result.Outputs.Select(o => (o.Path, o.SizeBytes, o.Sha256))];
        }

        return JobView.MetadataOf(job) is { } single ? [(single.Path, single.SizeBytes, single.Sha256)] : [];
    }

    private static string ContentTypeOf(string path) => ContentTypes.TryGetContentType(path, out var type) ? type : "application/octet-stream";
}
