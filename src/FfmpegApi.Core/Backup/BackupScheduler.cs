using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Backup;

/// <summary>
/// The scheduled backup: after <c>Backup:FirstDelaySeconds</c>, then every quarter of the interval, a backup is made
/// when the newest is older than <c>Backup:IntervalHours</c>. The provider's lock (on PostgreSQL a session advisory
/// lock) lets one process of the cluster do it at a time (the others find a fresh backup afterwards, or skip while it
/// runs).
/// </summary>
public sealed class BackupScheduler(BackupRunner runner, IDatabaseBackup engine, IServiceScopeFactory scopes, TimeProvider clock, IOptions<BackupOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromHours(options.Value.IntervalHours);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(options.Value.FirstDelaySeconds), clock, stoppingToken);
            do
            {
                if (runner.Newest() is not { } newest || clock.GetUtcNow().UtcDateTime - newest.CreatedAt >= interval)
                {
                    await RunLockedAsync(stoppingToken);
                }
            }
            while (await Wait(interval / 4, stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunLockedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        try
        {
            await using var held = await engine.TryLockAsync(db, cancellationToken);
            if (held is not null)
            {
                await runner.RunOnceAsync(null, cancellationToken);
            }
        }
        catch (Exception e) when (e is BackupException or IOException or InvalidOperationException or System.Data.Common.DbException)
        {
            // Logged and counted by the runner (or a database outage); the next check tries again.
        }
    }

    private async Task<bool> Wait(TimeSpan delay, CancellationToken cancellationToken)
    {
        await Task.Delay(delay, clock, cancellationToken);
        return true;
    }
}
