using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FfmpegApi.Core.Storage;

/// <summary>Removes expired uploads (files and rows) every few minutes; safe in every process at once.</summary>
public sealed partial class UploadSweeper(IServiceScopeFactory scopes, TimeProvider clock, ILogger<UploadSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                if (await scope.ServiceProvider.GetRequiredService<UploadStore>().SweepAsync(stoppingToken) is > 0 and var removed)
                {
                    LogSwept(logger, removed);
                }
            }
            catch (Exception e) when (e is System.Data.Common.DbException or IOException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} expired uploads")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired uploads failed; trying again later")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
