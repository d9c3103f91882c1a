using FfmpegApi.Core.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FfmpegApi.Core.Data;

public static class DatabaseSetup
{
    public static string SqliteConnectionString(StorageOptions storage, DatabaseOptions database)
    {
        if (!string.IsNullOrWhiteSpace(database.ConnectionString))
        {
            return database.ConnectionString;
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(storage.FullDataDir, "ffmpeg-api.db"),
            Cache = SqliteCacheMode.Private,
            // Busy timeout: writers wait for the lock instead of failing with SQLITE_BUSY.
            DefaultTimeout = 30,
            Pooling = true,
        };
        return builder.ConnectionString;
    }

    public static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(typeof(AppDbContext).Assembly.FullName))
            .AddInterceptors(new SqlitePragmaInterceptor());

    /// <summary>Applies migrations; the SQLite database is switched to WAL so readers never block the writer.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
    }
}
