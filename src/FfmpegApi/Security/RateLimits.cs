using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using FfmpegApi.Errors;
using Microsoft.AspNetCore.RateLimiting;

namespace FfmpegApi.Security;

/// <summary>Section <c>Limits</c>: request rates and job quotas (defaults as the original API's).</summary>
public sealed class LimitOptions
{
    public const string Section = "Limits";

    /// <summary>Requests per second per key (per client address for requests without a key). 0 = no limit.</summary>
    [Range(0, 1_000_000)]
    public int RequestsPerSecond { get; set; } = 10;

    [Range(0, 100_000_000)]
    public int RequestsPerHour { get; set; } = 1000;

    /// <summary>Queued plus running jobs one tenant may have; more submits answer 429 QUOTA_EXCEEDED. 0 = no limit.</summary>
    [Range(0, 1_000_000)]
    public int MaxActiveJobsPerTenant { get; set; } = 10;

    /// <summary>Jobs one tenant may create per UTC day. 0 = no limit.</summary>
    [Range(0, 100_000_000)]
    public int MaxJobsPerDayPerTenant { get; set; } = 10_000;
}

/// <summary>
/// Per-key (else per-address) fixed windows of one second and one hour, chained; a key created with its own
/// <c>requests_per_second</c>/<c>requests_per_hour</c> gets those instead of the defaults. Health probes and /metrics are not
/// limited. A refusal is 429 problem+json with <c>Retry-After</c> and the IETF draft <c>RateLimit</c> headers.
/// </summary>
public static class RateLimits
{
    public const string Code = "RATE_LIMITED";

    public static void Configure(RateLimiterOptions options, LimitOptions limits, bool shared)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;

        // Installed even when the defaults are off: a key may carry limits of its own.
        options.GlobalLimiter = PartitionedRateLimiter.CreateChained(
            Window(context => PerSecond(context, limits), TimeSpan.FromSeconds(1)),
            Hourly(limits, shared));
        options.OnRejected = async (context, cancellationToken) =>
        {
            var http = context.HttpContext;
            var (perSecond, perHour) = (PerSecond(http, limits), PerHour(http, limits));
            var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
            var response = http.Response;
            response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
            response.Headers["RateLimit-Policy"] = Policy(perSecond, perHour);
            response.Headers["RateLimit"] = string.Create(CultureInfo.InvariantCulture, $"limit={(perSecond > 0 ? perSecond : perHour)}, remaining=0, reset={retry}");
            var problem = ApiProblem.Build(http, 429, Code, $"Too many requests: at most {Describe(perSecond)}/s and {Describe(perHour)}/h for this key. Retry after {retry} s.");
            await TypedResults.Problem(problem).ExecuteAsync(http);
        };
    }

    /// <summary>The limits in the IETF RateLimit-Policy form: <c>10;w=1, 1000;w=3600</c>.</summary>
    private static string Policy(int perSecond, int perHour) =>
        string.Join(", ", new[] { (perSecond, 1), (perHour, 3600) }.Where(p => p.Item1 > 0).Select(p => $"{p.Item1};w={p.Item2}"));

    private static string Describe(int permits) => permits > 0 ? permits.ToString(CultureInfo.InvariantCulture) : "unlimited";

    /// <summary>The caller's key's own limit (a claim set at authentication), else the server's default; 0 = none.</summary>
    private static int PerSecond(HttpContext context, LimitOptions limits) => KeyLimit(context, ApiKeyAuthenticationHandler.PerSecondClaim) ?? limits.RequestsPerSecond;

    private static int PerHour(HttpContext context, LimitOptions limits) => KeyLimit(context, ApiKeyAuthenticationHandler.PerHourClaim) ?? limits.RequestsPerHour;

    private static int? KeyLimit(HttpContext context, string claim) =>
        context.User.FindFirstValue(claim) is { } text && int.TryParse(text, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static PartitionedRateLimiter<HttpContext> Window(Func<HttpContext, int> permitsOf, TimeSpan window) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            var permits = permitsOf(context);
            return Exempt(context.Request.Path) || permits == 0
                ? RateLimitPartition.GetNoLimiter("unlimited")
                : RateLimitPartition.GetFixedWindowLimiter($"{PartitionKey(context)}:{permits}", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = permits,
                    Window = window,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
        });

    /// <summary>
    /// The hourly window: shared by all API processes through the database when <paramref name="shared"/> (PostgreSQL,
    /// see <see cref="SharedHourlyLimit"/>), else per process.
    /// </summary>
    private static PartitionedRateLimiter<HttpContext> Hourly(LimitOptions limits, bool shared) => !shared
        ? Window(context => PerHour(context, limits), TimeSpan.FromHours(1))
        : PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            var permits = PerHour(context, limits);
            var key = PartitionKey(context);
            return Exempt(context.Request.Path) || permits == 0
                ? RateLimitPartition.GetNoLimiter("unlimited")
                : RateLimitPartition.Get($"{key}:{permits}", _ => new SharedHourlyLimiter(context.RequestServices.GetRequiredService<SharedHourlyLimit>(), key, permits));
        });

    private static string PartitionKey(HttpContext context) =>
        context.User.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim) is { } keyId
            ? "key:" + keyId
            : "ip:" + context.Connection.RemoteIpAddress;

    private static bool Exempt(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/api/v1/health");
}
