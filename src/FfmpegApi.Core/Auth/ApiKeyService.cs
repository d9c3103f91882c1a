using System.Security.Cryptography;
using System.Text;
using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Auth;

/// <summary>A newly created key: the stored row and the plaintext, which is shown once and never stored.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Plaintext);

/// <summary>What a new key is: null scopes means the default user scopes (jobs:read, jobs:write).</summary>
public sealed record KeyRequest(string Name, bool IsAdmin, string? TenantId, IReadOnlyList<string>? Scopes = null, DateTime? ExpiresAt = null)
{
    /// <summary>CIDRs the key may be used from (validated by the caller); null or empty: anywhere.</summary>
    public IReadOnlyList<string>? AllowedNetworks { get; init; }

    public int? RequestsPerSecond { get; init; }

    public int? RequestsPerHour { get; init; }

    public string? Description { get; init; }

    public string? UserId { get; init; }

    public string? Organization { get; init; }

    public string? CreatedBy { get; init; }

    public int? MaxConcurrentJobs { get; init; }

    public int? MonthlyLimitMinutes { get; init; }
}

/// <summary>
/// Creates and validates API keys of the form <c>fa_{prefix}_{secret}</c>: the prefix finds the row, the
/// SHA-256 of the secret is compared in constant time. The secret has 256 bits of entropy, so a plain hash
/// (no KDF) is enough: it is not a password that could be guessed.
/// </summary>
public sealed class ApiKeyService(AppDbContext db, TimeProvider clock, KeyCache cache)
{
    public Task<CreatedApiKey> CreateAsync(string name, bool isAdmin, string? tenantId, CancellationToken cancellationToken) =>
        CreateAsync(new KeyRequest(name, isAdmin, tenantId), cancellationToken);

    public async Task<CreatedApiKey> CreateAsync(KeyRequest request, CancellationToken cancellationToken)
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var id = Guid.CreateVersion7(clock.GetUtcNow()).ToString();
        var key = new ApiKey
        {
            Id = id,
            Name = request.Name,
            TenantId = string.IsNullOrWhiteSpace(request.TenantId) ? id : request.TenantId,
            Prefix = prefix,
            SecretHash = Hash(secret),
            IsAdmin = request.IsAdmin,
            Scopes = request.IsAdmin ? ApiScopes.Admin : string.Join(' ', request.Scopes ?? ApiScopes.Grantable),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            ExpiresAt = request.ExpiresAt,
            AllowedNetworks = request.AllowedNetworks is { Count: > 0 } networks ? string.Join(' ', networks) : null,
            RequestsPerSecond = request.RequestsPerSecond,
            RequestsPerHour = request.RequestsPerHour,
            Description = request.Description,
            UserId = request.UserId,
            Organization = request.Organization,
            CreatedBy = request.CreatedBy,
            MaxConcurrentJobs = request.MaxConcurrentJobs,
            MonthlyLimitMinutes = request.MonthlyLimitMinutes,
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiKey(key, $"fa_{prefix}_{secret}");
    }

    /// <summary>The key if the presented value is a valid, unrevoked, unexpired key; otherwise null.</summary>
    public async Task<ApiKey?> ValidateAsync(string presented, CancellationToken cancellationToken) =>
        await ValidateAsync(presented, null, cancellationToken);

    /// <summary>Validates and records the use (time and client address, at most once a minute).</summary>
    public async Task<ApiKey?> ValidateAsync(string presented, string? clientIp, CancellationToken cancellationToken)
    {
        if (!TryParseKey(presented, out var prefix, out var secret))
        {
            return null;
        }

        var cached = await cache.GetAsync(
            prefix,
            async ct => await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Prefix == prefix, ct) is { } row ? CachedKey.From(row) : null,
            cancellationToken);
        // Hash even when no row matched, so the response time does not reveal which prefixes exist.
        var hash = Hash(secret);
        var stored = cached?.SecretHash ?? new byte[hash.Length];
        if (!CryptographicOperations.FixedTimeEquals(hash, stored) || cached is null)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (cached.RevokedAt is not null || cached.DisabledAt is not null || cached.ExpiresAt <= now)
        {
            return null;
        }

        if (cache.ShouldRecordUse(cached.Id, clientIp))
        {
            await db.ApiKeys.Where(k => k.Id == cached.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now).SetProperty(k => k.LastUsedIp, k => clientIp ?? k.LastUsedIp), cancellationToken);
        }

        return cached.ToKey(prefix);
    }

    public Task<List<ApiKey>> ListAsync(string? tenantId, CancellationToken cancellationToken) =>
        db.ApiKeys.AsNoTracking().Where(k => tenantId == null || k.TenantId == tenantId).OrderBy(k => k.CreatedAt).ToListAsync(cancellationToken);

    public Task<ApiKey?> FindAsync(string id, CancellationToken cancellationToken) =>
        db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, cancellationToken);

    /// <summary>Changes a key's settings (name, description, limits, switched on or off, expiry) and drops it from the cache; null when there is no such key.</summary>
    public async Task<ApiKey?> UpdateAsync(string id, Action<ApiKey> change, CancellationToken cancellationToken)
    {
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, cancellationToken);
        if (key is null)
        {
            return null;
        }

        change(key);
        await db.SaveChangesAsync(cancellationToken);
        await cache.InvalidateAsync(key.Prefix, cancellationToken);
        return key;
    }

    /// <summary>Revokes a key at once (idempotent: the first revocation time is kept). Null when there is no such key.</summary>
    public async Task<ApiKey?> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.ApiKeys.Where(k => k.Id == id && k.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), cancellationToken);
        var key = await FindAsync(id, cancellationToken);
        if (key is not null)
        {
            await cache.InvalidateAsync(key.Prefix, cancellationToken);
        }

        return key;
    }

    /// <summary>
    /// Issues a replacement with the same name, tenant, scopes, networks, limits and expiry; the old key keeps working for
    /// <paramref name="overlap"/> (then it expires) so clients can switch without downtime. Null when the key does
    /// not exist or is revoked or expired.
    /// </summary>
    public async Task<(CreatedApiKey Replacement, ApiKey Previous)?> RotateAsync(string id, TimeSpan overlap, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var old = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, cancellationToken);
        if (old is null || old.RevokedAt is not null || old.ExpiresAt <= now)
        {
            return null;
        }

        var replacement = await CreateAsync(
            new KeyRequest(old.Name, old.IsAdmin, old.TenantId, old.IsAdmin ? null : old.ScopeList, old.ExpiresAt)
            {
                AllowedNetworks = old.NetworkList,
                RequestsPerSecond = old.RequestsPerSecond,
                RequestsPerHour = old.RequestsPerHour,
                Description = old.Description,
                UserId = old.UserId,
                Organization = old.Organization,
                CreatedBy = old.CreatedBy,
                MaxConcurrentJobs = old.MaxConcurrentJobs,
                MonthlyLimitMinutes = old.MonthlyLimitMinutes,
            },
            cancellationToken);
        var until = now + overlap;
        old.ExpiresAt = old.ExpiresAt is { } e && e < until ? e : until;
        old.ReplacedById = replacement.Key.Id;
        await db.SaveChangesAsync(cancellationToken);
        await cache.InvalidateAsync(old.Prefix, cancellationToken);
        return (replacement, old);
    }

    public Task<bool> AnyAsync(CancellationToken cancellationToken) => db.ApiKeys.AnyAsync(cancellationToken);

    public static bool TryParseKey(string presented, out string prefix, out string secret)
    {
        prefix = secret = string.Empty;
        var parts = presented.Trim().Split('_', 3);
        if (parts.Length != 3 || parts[0] != "fa" || parts[1].Length != 12 || parts[2].Length < 20 || parts[2].Length > 100)
        {
            return false;
        }

        prefix = parts[1];
        secret = parts[2];
        return true;
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '-');
}
