using System.Security.Cryptography;
using System.Text;
using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Idempotency;

/// <summary>
/// The answer to a work-creating POST sent with an <c>Idempotency-Key</c>, kept for 24 h. The primary key
/// (tenant, key) is the guard: of two concurrent requests with one key, exactly one insert commits (with its job);
/// the other finds this row and replays it.
/// </summary>
public sealed class IdempotencyRecord
{
    public const int MaxKeyLength = 255;

    public required string TenantId { get; init; }

    public required string Key { get; init; }

    /// <summary>SHA-256 of method, path and raw body: the same key with another request is refused.</summary>
    public required string RequestHash { get; init; }

    public int StatusCode { get; init; }

    public required string ResponseBody { get; init; }

    public string? Location { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime ExpiresAt { get; init; }

    public static string Hash(string method, string path, ReadOnlySpan<byte> body)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{method} {path}\n"));
        sha.AppendData(body);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>A key is 1–255 visible ASCII characters (a UUID is typical).</summary>
    public static bool IsValidKey(string key) => key.Length is > 0 and <= MaxKeyLength && key.All(c => c is > ' ' and < (char)127);
}

/// <summary>Reads and writes idempotency records.</summary>
public sealed class IdempotencyStore(AppDbContext db, TimeProvider clock)
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>The live record for this key, if any (expired ones are removed).</summary>
    public async Task<IdempotencyRecord?> FindAsync(string tenantId, string key, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var record = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.TenantId == tenantId && r.Key == key, cancellationToken);
        if (record is not null && record.ExpiresAt <= now)
        {
            await db.IdempotencyRecords.Where(r => r.TenantId == tenantId && r.Key == key && r.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
            return null;
        }

        return record;
    }

    /// <summary>Adds the record to the current unit of work (the caller's transaction commits it with the job) and sweeps expired ones.</summary>
    public async Task AddAsync(string tenantId, string key, string requestHash, int status, string body, string? location, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.IdempotencyRecords.Where(r => r.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        db.IdempotencyRecords.Add(new IdempotencyRecord
        {
            TenantId = tenantId,
            Key = key,
            RequestHash = requestHash,
            StatusCode = status,
            ResponseBody = body,
            Location = location,
            CreatedAt = now,
            ExpiresAt = now + Retention,
        });
        await db.SaveChangesAsync(cancellationToken);
    }
}
