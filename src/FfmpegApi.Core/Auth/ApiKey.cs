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

    /// <summary>The client address of the last use (recorded at most once a minute, like <see cref="LastUsedAt"/>).</summary>
    public string? LastUsedIp { get; set; }

    /// <summary>Space-separated scopes (<see cref="ApiScopes"/>); an admin key has every scope.</summary>
    public string Scopes { get; set; } = ApiScopes.DefaultUser;

    /// <summary>
    /// CIDRs (space-separated) the key may be used from, on top of <c>Security:AllowedNetworks</c>; null: any address the
    /// server accepts. A request with the key from elsewhere answers 403.
    /// </summary>
    public string? AllowedNetworks { get; set; }

    /// <summary>This key's request rate limits instead of <c>Limits:RequestsPerSecond</c>/<c>PerHour</c>; 0 = none, null = the defaults.</summary>
    public int? RequestsPerSecond { get; set; }

    public int? RequestsPerHour { get; set; }

    /// <summary>The key that replaced this one by rotation (this one stays valid until <see cref="ExpiresAt"/>).</summary>
    public string? ReplacedById { get; set; }

    public IReadOnlyList<string> NetworkList => AllowedNetworks?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

    public IReadOnlyList<string> ScopeList => IsAdmin ? ApiScopes.All : Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>What a key may do. Endpoints require one; <c>admin</c> implies every scope and every tenant.</summary>
public static class ApiScopes
{
    public const string Admin = "admin";
    public const string JobsRead = "jobs:read";
    public const string JobsWrite = "jobs:write";
    public const string DefaultUser = JobsRead + " " + JobsWrite;

    public static IReadOnlyList<string> All { get; } = [Admin, JobsRead, JobsWrite];

    /// <summary>Scopes a non-admin key can hold.</summary>
    public static IReadOnlyList<string> Grantable { get; } = [JobsRead, JobsWrite];
}
