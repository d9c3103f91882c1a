using FfmpegApi.Core.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FfmpegApi.Core.Data;

/// <summary>
/// <c>Database:Provider</c>: <c>sqlite</c> (embedded default, one process) or <c>postgres</c> (shared by API and worker
/// processes). Both use the same model; each has its own migrations.
/// </summary>
public static class DatabaseSetup
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    public static bool IsPostgres(DatabaseOptions database) => string.Equals(database.Provider, Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>Registers <see cref="AppDbContext"/> for the configured provider.</summary>
    public static void AddDatabase(IServiceCollection services, StorageOptions storage, DatabaseOptions database)
    {
        if (IsPostgres(database))
        {
            if (string.IsNullOrWhiteSpace(database.ConnectionString))
            {
                throw new InvalidOperationException("Database:Provider is postgres but Database:ConnectionString is empty (e.g. Host=db;Database=ffmpeg_api;Username=…;Password=…).");
            }

            var connectionString = database.ConnectionString;
            services.AddDbContext<AppDbContext, PostgresAppDbContext>(o => ConfigurePostgres(o, connectionString));
        }
        else
        {
            Directory.CreateDirectory(storage.FullDataDir);
            var connectionString = SqliteConnectionString(storage, database);
            services.AddDbContext<AppDbContext>(o => ConfigureSqlite(o, connectionString));
        }
    }

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

    public static void ConfigureSqlite(DbContextOptionsBuilder options, string connectionString) =>
        options.UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(typeof(AppDbContext).Assembly.FullName))
            .AddInterceptors(new SqlitePragmaInterceptor());

    /// <summary>
    /// PostgreSQL. No retrying execution strategy: the queue uses its own transactions, which such a strategy would
    /// have to replay as a whole; a broken connection fails the one operation and the pool reconnects on the next.
    /// </summary>
    public static void ConfigurePostgres(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql
            .MigrationsAssembly(typeof(AppDbContext).Assembly.FullName)
            .MigrationsHistoryTable("__ef_migrations_history"));

    /// <summary>Applies migrations; a SQLite database is switched to WAL so readers never block the writer.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }
}
