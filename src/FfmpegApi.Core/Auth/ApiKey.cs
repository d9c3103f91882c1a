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

    /// <summary>What the key is for (the original API's <c>description</c>).</summary>
    public string? Description { get; set; }

    /// <summary>The person or system the key belongs to (the original API's <c>user_id</c>; informational).</summary>
    public string? UserId { get; set; }

    /// <summary>The organization the key belongs to (the original API's <c>organization</c>; informational).</summary>
    public string? Organization { get; set; }

    /// <summary>The key that created this one (null: the CLI or the first start).</summary>
    public string? CreatedBy { get; set; }

    /// <summary>Jobs of this key queued, waiting or running at once; a submit beyond it answers 429. Null: no limit.</summary>
    public int? MaxConcurrentJobs { get; set; }

    /// <summary>Set while the key is switched off (<c>is_active: false</c>); unlike a revocation it can be switched on again.</summary>
    public DateTime? DisabledAt { get; set; }

    /// <summary>Processing minutes (the run time of every attempt) this key may use per calendar month (UTC). Null: no limit.</summary>
    public int? MonthlyLimitMinutes { get; set; }

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
