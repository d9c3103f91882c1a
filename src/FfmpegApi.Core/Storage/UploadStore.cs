using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Storage;

/// <summary>Section <c>Uploads</c>.</summary>
public sealed class UploadOptions
{
    public const string Section = "Uploads";

    /// <summary>An upload not finished within this many hours is removed.</summary>
    [Range(1, 24 * 30)]
    public int IncompleteHours { get; set; } = 24;

    /// <summary>A finished upload is kept this many days (jobs may name it until then).</summary>
    [Range(1, 365)]
    public int RetentionDays { get; set; } = 7;
}

/// <summary>Why an upload request cannot be served, with the HTTP status to answer.</summary>
public sealed class UploadException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>
/// Uploaded files under <c>{DataDir}/uploads/{id}</c> (a shared volume when several API and worker processes run),
/// their rows in <c>uploads</c>, tenant-scoped. Bytes are streamed to disk; the size limit is <c>Jobs:MaxInputBytes</c>.
/// </summary>
public sealed class UploadStore(AppDbContext db, IOptions<StorageOptions> storage, IOptions<JobOptions> jobs, IOptions<UploadOptions> options, TimeProvider clock)
{
    // One writer per upload in this process; the guarded UPDATE catches a second process.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Writers = new(StringComparer.Ordinal);

    public long MaxBytes => jobs.Value.MaxInputBytes;

    public string PathOf(string id) => Path.Combine(storage.Value.FullDataDir, "uploads", id);

    public Task<Upload?> FindAsync(string tenantId, string id, CancellationToken cancellationToken) =>
        db.Uploads.FirstOrDefaultAsync(u => u.Id == id && u.TenantId == tenantId, cancellationToken);

    /// <summary>A new, empty upload of <paramref name="length"/> bytes (tus creation).</summary>
    public async Task<Upload> CreateAsync(string tenantId, string? keyId, string? fileName, long length, CancellationToken cancellationToken)
    {
        if (length < 1 || length > MaxBytes)
        {
            throw new UploadException(413, $"Upload-Length must be 1 to {MaxBytes} bytes ({JobOptions.Describe(MaxBytes)}, Jobs:MaxInputBytes).");
        }

        var now = clock.GetUtcNow();
        var upload = new Upload
        {
            Id = Guid.CreateVersion7(now).ToString(),
            TenantId = tenantId,
            ApiKeyId = keyId,
            FileName = SafeName(fileName),
            Length = length,
            CreatedAt = now.UtcDateTime,
            UpdatedAt = now.UtcDateTime,
            ExpiresAt = now.UtcDateTime.AddHours(options.Value.IncompleteHours),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(upload.Id))!);
        await File.WriteAllBytesAsync(PathOf(upload.Id), [], cancellationToken);
        db.Uploads.Add(upload);
        await db.SaveChangesAsync(cancellationToken);
        return upload;
    }

    /// <summary>Appends <paramref name="body"/> at <paramref name="offset"/> (which must be the current offset); returns the new offset.</summary>
    public async Task<long> AppendAsync(Upload upload, long offset, Stream body, CancellationToken cancellationToken)
    {
        var writer = Writers.GetOrAdd(upload.Id, _ => new SemaphoreSlim(1, 1));
        if (!await writer.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            throw new UploadException(409, "Another request is writing this upload.");
        }

        try
        {
            await db.Entry(upload).ReloadAsync(cancellationToken);
            if (offset != upload.Offset)
            {
                throw new UploadException(409, $"Upload-Offset is {offset} but the upload has {upload.Offset} bytes.");
            }

            long written;
            await using (var file = new FileStream(PathOf(upload.Id), FileMode.Open, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                file.SetLength(offset); // a chunk that broke off midway left bytes that were never acknowledged
                file.Position = offset;
                written = await CopyBoundedAsync(body, file, upload.Length - offset, cancellationToken);
            }

            var now = clock.GetUtcNow().UtcDateTime;
            var expires = offset + written == upload.Length ? now.AddDays(options.Value.RetentionDays) : upload.ExpiresAt;
            var updated = await db.Uploads.Where(u => u.Id == upload.Id && u.Offset == offset)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.Offset, offset + written).SetProperty(u => u.UpdatedAt, now).SetProperty(u => u.ExpiresAt, expires), cancellationToken);
            return updated == 1 ? offset + written : throw new UploadException(409, "The upload changed while this chunk was written; ask for the offset (HEAD) and resume.");
        }
        finally
        {
            writer.Release();
        }
    }

    /// <summary>A whole file in one request (the simple multipart upload).</summary>
    public async Task<Upload> ReceiveAsync(string tenantId, string? keyId, string? fileName, Stream body, CancellationToken cancellationToken)
    {
        var upload = await CreateAsync(tenantId, keyId, fileName, MaxBytes, cancellationToken);
        try
        {
            long size;
            await using (var file = new FileStream(PathOf(upload.Id), FileMode.Open, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                size = await CopyBoundedAsync(body, file, MaxBytes, cancellationToken);
            }

            if (size == 0)
            {
                throw new UploadException(422, "The file is empty.");
            }

            (upload.Length, upload.Offset, upload.UpdatedAt) = (size, size, clock.GetUtcNow().UtcDateTime);
            upload.ExpiresAt = upload.UpdatedAt.AddDays(options.Value.RetentionDays);
            await db.SaveChangesAsync(cancellationToken);
            return upload;
        }
        catch
        {
            await DeleteAsync(upload, CancellationToken.None);
            throw;
        }
    }

    public async Task DeleteAsync(Upload upload, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(upload.Id));
        await db.Uploads.Where(u => u.Id == upload.Id).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>Removes expired uploads (rows and files); returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var expired = await db.Uploads.Where(u => u.ExpiresAt < now).OrderBy(u => u.ExpiresAt).Select(u => u.Id).Take(1000).ToListAsync(cancellationToken);
        foreach (var id in expired)
        {
            File.Delete(PathOf(id));
        }

        return await db.Uploads.Where(u => expired.Contains(u.Id)).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>The file behind <c>upload://{id}</c> for a job of <paramref name="tenantId"/>; null with a reason when it cannot be used.</summary>
    public async Task<(string? Path, string? FileName, string? Problem)> ResolveAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        var upload = await FindAsync(tenantId, id, cancellationToken);
        return upload switch
        {
            null => (null, null, $"Upload not found: {Upload.Scheme}{id}"),
            { Complete: false } => (null, null, $"{Upload.Scheme}{id} is incomplete ({upload.Offset} of {upload.Length} bytes)."),
            _ when !File.Exists(PathOf(id)) => (null, null, $"{Upload.Scheme}{id} has expired."),
            _ => (PathOf(id), upload.FileName, null),
        };
    }

    private static async Task<long> CopyBoundedAsync(Stream source, Stream target, long limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > limit)
            {
                throw new UploadException(413, $"More bytes than announced or allowed ({limit} more at most).");
            }

            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        return total;
    }

    private static string SafeName(string? name)
    {
        var file = Path.GetFileName((name ?? string.Empty).Replace('\\', '/'));
        var clean = new string([.. file.Where(c => !char.IsControl(c) && c is not '/' and not '"')]).Trim();
        return clean.Length is 0 ? "upload.bin" : clean.Length > 200 ? clean[^200..] : clean;
    }
}
