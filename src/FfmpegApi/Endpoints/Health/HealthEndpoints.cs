using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Processing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Endpoints.Health;

public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Health").AllowAnonymous();
        health.MapGet("/live", () => TypedResults.Ok(new LiveResponse("alive"))).WithName("Live");
        health.MapGet("/ready", ReadyAsync).WithName("Ready");
        return app;
    }

    /// <summary>Ready when the database answers, ffmpeg runs, and the data volume has room.</summary>
    internal static async Task<Results<Ok<ReadyResponse>, JsonHttpResult<ReadyResponse>>> ReadyAsync(
        AppDbContext db, FfmpegTools tools, IOptions<StorageOptions> storage, IOptions<HealthOptions> health, CancellationToken cancellationToken)
    {
        bool database;
        try
        {
            database = await db.Database.CanConnectAsync(cancellationToken);
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            database = false;
        }

        var caps = await tools.GetCapabilitiesAsync();
        var ffmpeg = caps.Version != "unknown";
        var freeMb = new DriveInfo(storage.Value.FullDataDir).AvailableFreeSpace / (1024 * 1024);
        var disk = freeMb >= health.Value.MinFreeDiskMegabytes;
        var checks = new Dictionary<string, HealthCheckView>(StringComparer.Ordinal)
        {
            ["database"] = new(database ? "ok" : "failing", null),
            ["ffmpeg"] = new(ffmpeg ? "ok" : "failing", ffmpeg ? caps.Version : "ffmpeg could not be run"),
            ["disk"] = new(disk ? "ok" : "failing", $"{freeMb} MB free (minimum {health.Value.MinFreeDiskMegabytes} MB)"),
        };
        var ready = database && ffmpeg && disk;
        var body = new ReadyResponse(ready ? "ready" : "not_ready", checks);
        return ready ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: 503);
    }
}

public sealed record LiveResponse(string Status);

public sealed record ReadyResponse(string Status, IReadOnlyDictionary<string, HealthCheckView> Checks);

public sealed record HealthCheckView(string Status, string? Detail);
