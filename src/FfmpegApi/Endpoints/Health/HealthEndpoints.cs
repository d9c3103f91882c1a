using System.Reflection;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Health;

/// <summary>
/// Probes for orchestrators (<c>/health/live</c>, <c>/health/ready</c>) and the original API's
/// <c>/api/v1/health</c> and <c>/api/v1/health/detailed</c>. None of them reveals a secret, connection string or path.
/// </summary>
public static class HealthEndpoints
{
    private static readonly string Version = typeof(HealthEndpoints).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Health").AllowAnonymous();
        health.MapGet("/live", () => TypedResults.Ok(new LiveResponse("alive"))).WithName("Live").WithSummary("Liveness: the process answers");
        health.MapGet("/ready", ReadyAsync).WithName("Ready").WithSummary("Readiness: the database, ffmpeg and the data volume; 503 when not ready").Produces<ReadyResponse>(StatusCodes.Status503ServiceUnavailable);

        var api = app.MapGroup("/api/v1/health").WithTags("Health").AllowAnonymous();
        api.MapGet("/", SummaryAsync).WithName("Health").WithSummary("Overall health (the original API's probe); 503 when unhealthy")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/detailed", DetailedAsync).WithName("HealthDetailed").WithSummary("Per-component health; may require a key (Health:DetailedRequiresKey)")
            .Produces<DetailedHealthResponse>().Produces<DetailedHealthResponse>(StatusCodes.Status503ServiceUnavailable).ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }

    /// <summary>Ready when the database answers, ffmpeg runs, and the data volume has room.</summary>
    internal static async Task<Results<Ok<ReadyResponse>, JsonHttpResult<ReadyResponse>>> ReadyAsync(HealthProbe probe, CancellationToken cancellationToken)
    {
        var report = await probe.CheckAsync(cancellationToken);
        var checks = new Dictionary<string, HealthCheckView>(StringComparer.Ordinal)
        {
            ["database"] = new(Ok(report.Database), null),
            ["ffmpeg"] = new(Ok(report.Ffmpeg), report.Ffmpeg.Version ?? "ffmpeg could not be run"),
            ["disk"] = new(Ok(report.Storage), report.Storage.Detail),
        };
        var ready = report.Database.Status != HealthStatus.Unhealthy && report.Ffmpeg.Status != HealthStatus.Unhealthy && report.Storage.Status != HealthStatus.Unhealthy;
        var body = new ReadyResponse(ready ? "ready" : "not_ready", checks);
        return ready ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: 503);

        static string Ok(ComponentHealth c) => c.Status == HealthStatus.Unhealthy ? "failing" : "ok";
    }

    internal static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> SummaryAsync(HealthProbe probe, TimeProvider clock, CancellationToken cancellationToken)
    {
        var report = await probe.CheckAsync(cancellationToken);
        var components = report.Components.ToDictionary(c => c.Key, c => Wire(c.Value.Status), StringComparer.Ordinal);
        var body = new HealthResponse(Wire(report.Overall), clock.GetUtcNow().UtcDateTime, Version, components);
        return report.Overall == HealthStatus.Unhealthy ? TypedResults.Json(body, statusCode: 503) : TypedResults.Ok(body);
    }

    internal static async Task<IResult> DetailedAsync(HttpContext context, HealthProbe probe, TimeProvider clock, IOptions<HealthOptions> options, CancellationToken cancellationToken)
    {
        if (options.Value.DetailedRequiresKey && context.User.Identity?.IsAuthenticated != true)
        {
            var auth = await context.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName);
            if (!auth.Succeeded)
            {
                await context.ChallengeAsync(ApiKeyAuthenticationHandler.SchemeName);
                return Results.Empty;
            }
        }

        var report = await probe.CheckAsync(cancellationToken);
        var components = report.Components.ToDictionary(
            c => c.Key,
            c => new ComponentView(Wire(c.Value.Status), c.Value.Type, c.Value.Version, c.Value.LatencyMs, c.Value.Detail),
            StringComparer.Ordinal);
        var body = new DetailedHealthResponse(Wire(report.Overall), clock.GetUtcNow().UtcDateTime, Version, components);
        return report.Overall == HealthStatus.Unhealthy ? TypedResults.Json(body, statusCode: 503) : TypedResults.Ok(body);
    }

    private static string Wire(HealthStatus status) => status.ToString().ToLowerInvariant();
}

public sealed record LiveResponse(string Status);

public sealed record ReadyResponse(string Status, IReadOnlyDictionary<string, HealthCheckView> Checks);

public sealed record HealthCheckView(string Status, string? Detail);

/// <summary><c>GET /api/v1/health</c>: status is healthy, degraded or unhealthy; components by name.</summary>
public sealed record HealthResponse(string Status, DateTime Timestamp, string Version, IReadOnlyDictionary<string, string> Components);

public sealed record DetailedHealthResponse(string Status, DateTime Timestamp, string Version, IReadOnlyDictionary<string, ComponentView> Components);

public sealed record ComponentView(string Status, string Type, string? Version, double? LatencyMs, string? Detail);
