namespace FfmpegApi.Core.Auth;

/// <summary>An API key. Only the lookup prefix and a SHA-256 hash of the secret are stored.</summary>
public sealed class ApiKey
{
    public required string Id { get; init; }

    public required string Name { get; set; }

    public required string TenantId { get; init; }

    /// <summary>Public lookup part of the key (<c>fa_{prefix}_{secret}</c>), unique.</summary>
    public required string Prefix { get; init; }

    public required byte[] SecretHash { get; init; }

    public bool IsAdmin { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime? ExpiresAt { get; set; }

    public DateTime? RevokedAt { get; set; }

    public DateTime? LastUsedAt { get; set; }
}
