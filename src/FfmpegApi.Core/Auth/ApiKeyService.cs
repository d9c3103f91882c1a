using System.Security.Cryptography;
using System.Text;
using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Auth;

/// <summary>A newly created key: the stored row and the plaintext, which is shown once and never stored.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Plaintext);

/// <summary>
/// Creates and validates API keys of the form <c>fa_{prefix}_{secret}</c>: the prefix finds the row, the
/// SHA-256 of the secret is compared in constant time. The secret has 256 bits of entropy, so a plain hash
/// (no KDF) is enough: it is not a password that could be guessed.
/// </summary>
public sealed class ApiKeyService(AppDbContext db, TimeProvider clock)
{
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<CreatedApiKey> CreateAsync(string name, bool isAdmin, string? tenantId, CancellationToken cancellationToken)
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var id = Guid.CreateVersion7(clock.GetUtcNow()).ToString();
        var key = new ApiKey
        {
            Id = id,
            Name = name,
            TenantId = string.IsNullOrWhiteSpace(tenantId) ? id : tenantId,
            Prefix = prefix,
            SecretHash = Hash(secret),
            IsAdmin = isAdmin,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiKey(key, $"fa_{prefix}_{secret}");
    }

    /// <summary>The key if the presented value is a valid, unrevoked, unexpired key; otherwise null.</summary>
    public async Task<ApiKey?> ValidateAsync(string presented, CancellationToken cancellationToken)
    {
        if (!TryParse(presented, out var prefix, out var secret))
        {
            return null;
        }

        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Prefix == prefix, cancellationToken);
        // Hash even when no row matched, so the response time does not reveal which prefixes exist.
        var hash = Hash(secret);
        var stored = key?.SecretHash ?? new byte[hash.Length];
        if (!CryptographicOperations.FixedTimeEquals(hash, stored) || key is null)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (key.RevokedAt is not null || key.ExpiresAt <= now)
        {
            return null;
        }

        if (key.LastUsedAt is null || now - key.LastUsedAt > LastUsedResolution)
        {
            await db.ApiKeys.Where(k => k.Id == key.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), cancellationToken);
        }

        return key;
    }

    public Task<bool> AnyAsync(CancellationToken cancellationToken) => db.ApiKeys.AnyAsync(cancellationToken);

    internal static bool TryParse(string presented, out string prefix, out string secret)
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
