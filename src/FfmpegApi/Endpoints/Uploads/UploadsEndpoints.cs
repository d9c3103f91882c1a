using System.Globalization;
using System.Text;
using FfmpegApi.Core.Audit;
using FfmpegApi.Core.Storage;
using FfmpegApi.Errors;
using FfmpegApi.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace FfmpegApi.Endpoints.Uploads;

/// <summary>An upload as the API shows it; <c>input</c> is what a job body names.</summary>
public sealed record UploadView(string Id, string FileName, long Size, long Received, bool Complete, string Input, DateTime CreatedAt, DateTime ExpiresAt)
{
    public static UploadView From(Upload u) => new(u.Id, u.FileName, u.Length, u.Offset, u.Complete, u.Reference, u.CreatedAt, u.ExpiresAt);
}

/// <summary>
/// Inputs for clients without storage of their own: <c>POST /uploads</c> (one multipart/form-data file) and the tus 1.0
/// resumable protocol (core, creation, termination) under <c>/uploads/tus</c>. Either yields <c>upload://{id}</c>,
/// usable as any job's input by the same tenant until it expires.
/// </summary>
public static class UploadsEndpoints
{
    public const string TusVersion = "1.0.0";

    public static RouteGroupBuilder MapUploads(this RouteGroupBuilder write, RouteGroupBuilder read)
    {
        var uploads = write.MapGroup("/uploads").WithTags("Uploads");
        uploads.MapPost("/", CreateSimpleAsync).WithName("Upload").WithSummary("Upload one file (multipart/form-data, field 'file')").DisableAntiforgery();
        uploads.MapPost("/tus", CreateTusAsync).WithName("TusCreate").WithSummary("tus 1.0 creation: announce Upload-Length, get a Location");
        uploads.MapMethods("/tus/{id}", [HttpMethods.Patch], PatchTusAsync).WithName("TusPatch").WithSummary("tus 1.0: append bytes at Upload-Offset");
        uploads.MapMethods("/tus/{id}", [HttpMethods.Head], HeadTusAsync).WithName("TusHead").WithSummary("tus 1.0: the current Upload-Offset");
        uploads.MapDelete("/{id}", DeleteAsync).WithName("DeleteUpload").WithSummary("Remove an upload (tus termination too)");
        uploads.MapDelete("/tus/{id}", DeleteAsync).WithName("TusTerminate").WithSummary("tus 1.0 termination");
        read.MapGroup("/uploads").WithTags("Uploads").MapGet("/{id}", GetAsync).WithName("GetUpload").WithSummary("One upload");
        return write;
    }

    /// <summary>tus discovery (no key needed, like any OPTIONS preflight).</summary>
    public static void MapTusOptions(this IEndpointRouteBuilder app, long maxBytes) =>
        app.MapMethods("/api/v1/uploads/tus", [HttpMethods.Options], (HttpContext context) =>
        {
            TusHeaders(context);
            context.Response.Headers["Tus-Version"] = TusVersion;
            context.Response.Headers["Tus-Extension"] = "creation,termination";
            context.Response.Headers["Tus-Max-Size"] = maxBytes.ToString(CultureInfo.InvariantCulture);
            return TypedResults.NoContent();
        }).ExcludeFromDescription().AllowAnonymous();

    private static async Task<Results<Created<UploadView>, ProblemHttpResult>> CreateSimpleAsync(HttpContext context, UploadStore store, CancellationToken cancellationToken)
    {
        var boundary = MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(type.Boundary).Value : null;
        if (string.IsNullOrEmpty(boundary))
        {
            return ApiProblem.Create(context, 415, ErrorCodes.InvalidRequest, "Send the file as multipart/form-data with a part named 'file' (or use the tus protocol under /api/v1/uploads/tus).");
        }

        AllowBody(context, store.MaxBytes + (1024 * 1024));
        var reader = new MultipartReader(boundary, context.Request.Body);
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) && disposition.IsFileDisposition() && disposition.Name.Value == "file")
            {
                return await GuardAsync(context, async () =>
                {
                    var caller = Caller.From(context.User);
                    var upload = await store.ReceiveAsync(caller.TenantId, caller.KeyId, HeaderUtilities.RemoveQuotes(disposition.FileName).Value, section.Body, cancellationToken);
                    await context.AuditAsync(AuditActions.UploadCreate, upload.Id, detail: $"{upload.Length} bytes");
                    return TypedResults.Created($"/api/v1/uploads/{upload.Id}", UploadView.From(upload));
                });
            }
        }

        var missing = new Jobs.ValidationErrors();
        missing.Add("file", "Required: a file part named 'file'.", ErrorCodes.InvalidRequest);
        return ApiProblem.Invalid(context, missing);
    }

    private static async Task<Results<Created, ProblemHttpResult>> CreateTusAsync(HttpContext context, UploadStore store, CancellationToken cancellationToken)
    {
        TusHeaders(context);
        if (!long.TryParse(context.Request.Headers["Upload-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return ApiProblem.Create(context, 400, ErrorCodes.InvalidRequest, "Upload-Length is required (deferred lengths are not supported).");
        }

        return await GuardAsync(context, async () =>
        {
            var caller = Caller.From(context.User);
            var upload = await store.CreateAsync(caller.TenantId, caller.KeyId, MetadataValue(context.Request.Headers["Upload-Metadata"], "filename"), length, cancellationToken);
            await context.AuditAsync(AuditActions.UploadCreate, upload.Id, detail: $"tus, {length} bytes announced");
            context.Response.Headers["Upload-Expires"] = upload.ExpiresAt.ToString("R", CultureInfo.InvariantCulture);
            return TypedResults.Created($"/api/v1/uploads/tus/{upload.Id}");
        });
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> PatchTusAsync(string id, HttpContext context, UploadStore store, CancellationToken cancellationToken)
    {
        TusHeaders(context);
        if (!string.Equals(context.Request.ContentType, "application/offset+octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return ApiProblem.Create(context, 415, ErrorCodes.InvalidRequest, "A tus PATCH is Content-Type: application/offset+octet-stream.");
        }

        if (!long.TryParse(context.Request.Headers["Upload-Offset"], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            return ApiProblem.Create(context, 400, ErrorCodes.InvalidRequest, "Upload-Offset is required.");
        }

        if (await store.FindAsync(Caller.From(context.User).TenantId, id, cancellationToken) is not { } upload)
        {
            return NotFound(context);
        }

        AllowBody(context, upload.Length - upload.Offset);
        return await GuardAsync(context, async () =>
        {
            var next = await store.AppendAsync(upload, offset, context.Request.Body, cancellationToken);
            context.Response.Headers["Upload-Offset"] = next.ToString(CultureInfo.InvariantCulture);
            return TypedResults.NoContent();
        });
    }

    private static async Task<Results<Ok, ProblemHttpResult>> HeadTusAsync(string id, HttpContext context, UploadStore store, CancellationToken cancellationToken)
    {
        TusHeaders(context);
        if (await store.FindAsync(Caller.From(context.User).TenantId, id, cancellationToken) is not { } upload)
        {
            return NotFound(context);
        }

        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["Upload-Offset"] = upload.Offset.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["Upload-Length"] = upload.Length.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Ok();
    }

    private static async Task<Results<Ok<UploadView>, ProblemHttpResult>> GetAsync(string id, HttpContext context, UploadStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(Caller.From(context.User).TenantId, id, cancellationToken) is { } upload ? TypedResults.Ok(UploadView.From(upload)) : NotFound(context);

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, HttpContext context, UploadStore store, CancellationToken cancellationToken)
    {
        TusHeaders(context);
        if (await store.FindAsync(Caller.From(context.User).TenantId, id, cancellationToken) is not { } upload)
        {
            return NotFound(context);
        }

        await store.DeleteAsync(upload, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Maps <see cref="UploadException"/> to its status as a problem.</summary>
    private static async Task<Results<T, ProblemHttpResult>> GuardAsync<T>(HttpContext context, Func<Task<T>> action)
        where T : IResult
    {
        try
        {
            return await action();
        }
        catch (UploadException e)
        {
            return ApiProblem.Create(context, e.Status, e.Status == 413 ? ErrorCodes.PayloadTooLarge : ErrorCodes.InvalidRequest, e.Message);
        }
    }

    private static ProblemHttpResult NotFound(HttpContext context) => ApiProblem.Create(context, 404, ErrorCodes.NotFound, "Upload not found");

    /// <summary>Uploads are large by nature: this request may carry up to <paramref name="bytes"/> (the store enforces it exactly).</summary>
    private static void AllowBody(HttpContext context, long bytes)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = Math.Max(bytes, 1);
        }
    }

    private static void TusHeaders(HttpContext context) => context.Response.Headers["Tus-Resumable"] = TusVersion;

    /// <summary>One value of a tus <c>Upload-Metadata</c> header (<c>key base64value,key2 base64value2</c>).</summary>
    private static string? MetadataValue(string? header, string key)
    {
        foreach (var pair in (header ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split(' ', 2);
            if (parts[0] == key && parts.Length == 2)
            {
                try
                {
                    return Encoding.UTF8.GetString(Convert.FromBase64String(parts[1]));
                }
                catch (FormatException)
                {
                    return null;
                }
            }
        }

        return null;
    }
}
