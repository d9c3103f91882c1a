using System.Data.Common;

namespace FfmpegApi.Core.Data;

/// <summary>
/// Database errors that say "try again" rather than "you are wrong": the server is restarting or unreachable, a
/// connection broke, SQLite is busy. The provider decides (<see cref="DbException.IsTransient"/>); EF Core's wrappers
/// are looked through.
/// </summary>
public static class TransientDb
{
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException { IsTransient: true } or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// After a database outage the connection pool still holds connections to the old server process; each would fail
    /// its first command (one more 503 per stale connection after the database is back). Called on every transient
    /// failure and failed health check: the pool is emptied and refills with fresh connections.
    /// </summary>
    public static void ForgetPooledConnections() => Npgsql.NpgsqlConnection.ClearAllPools();

    /// <summary>
    /// Runs <paramref name="action"/>, retrying transient database errors with growing pauses (0.25 s doubling, at most
    /// 4 s each) until <paramref name="budget"/> is spent; then the last error is thrown.
    /// </summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> action, TimeSpan budget, TimeProvider clock, Action<Exception>? onRetry = null, CancellationToken cancellationToken = default)
    {
        var started = clock.GetTimestamp();
        var pause = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                return await action();
            }
            catch (Exception ex) when (IsTransient(ex) && clock.GetElapsedTime(started) + pause < budget)
            {
                ForgetPooledConnections();
                onRetry?.Invoke(ex);
                await Task.Delay(pause, clock, cancellationToken);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(4).Ticks));
            }
        }
    }
}
