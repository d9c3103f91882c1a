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
/// Per-key (else per-address) fixed windows of one second and one hour, chained. Health probes and /metrics are not
/// limited. A refusal is 429 problem+json with <c>Retry-After</c> and the IETF draft <c>RateLimit</c> headers.
/// </summary>
public static class RateLimits
{
    public const string Code = "RATE_LIMITED";

    public static void Configure(RateLimiterOptions options, LimitOptions limits)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        if (limits.RequestsPerSecond == 0 && limits.RequestsPerHour == 0)
        {
            return;
        }

        var windows = new List<PartitionedRateLimiter<HttpContext>>();
        if (limits.RequestsPerSecond > 0)
        {
            windows.Add(Window(limits.RequestsPerSecond, TimeSpan.FromSeconds(1)));
        }

        if (limits.RequestsPerHour > 0)
        {
            windows.Add(Window(limits.RequestsPerHour, TimeSpan.FromHours(1)));
        }

        options.GlobalLimiter = windows.Count == 1 ? windows[0] : PartitionedRateLimiter.CreateChained([.. windows]);
        options.OnRejected = async (context, cancellationToken) =>
        {
            var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
            var response = context.HttpContext.Response;
            response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
            response.Headers["RateLimit-Policy"] = Policy(limits);
            response.Headers["RateLimit"] = string.Create(CultureInfo.InvariantCulture, $"limit={limits.RequestsPerSecond}, remaining=0, reset={retry}");
            var problem = ApiProblem.Build(context.HttpContext, 429, Code, $"Too many requests: at most {limits.RequestsPerSecond}/s and {limits.RequestsPerHour}/h per key. Retry after {retry} s.");
            await TypedResults.Problem(problem).ExecuteAsync(context.HttpContext);
        };
    }

    /// <summary>The limits in the IETF RateLimit-Policy form: <c>10;w=1, 1000;w=3600</c>.</summary>
    public static string Policy(LimitOptions limits) =>
        string.Join(", ", new[] { (limits.RequestsPerSecond, 1), (limits.RequestsPerHour, 3600) }.Where(p => p.Item1 > 0).Select(p => $"{p.Item1};w={p.Item2}"));

    private static PartitionedRateLimiter<HttpContext> Window(int permits, TimeSpan window) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
            Exempt(context.Request.Path)
                ? RateLimitPartition.GetNoLimiter("exempt")
                : RateLimitPartition.GetFixedWindowLimiter(PartitionKey(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = permits,
                    Window = window,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));

    private static string PartitionKey(HttpContext context) =>
        context.User.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim) is { } keyId
            ? "key:" + keyId
            : "ip:" + context.Connection.RemoteIpAddress;

    private static bool Exempt(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/api/v1/health");
}
