using Npgsql;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>
/// The database a test server uses: SQLite in its data dir by default; with <c>FFMPEG_API_TEST_POSTGRES</c> set (by
/// <c>make test</c>, which starts a real PostgreSQL on loopback), a fresh PostgreSQL database per server, dropped after.
/// </summary>
public static class TestDatabase
{
    public const string Variable = "FFMPEG_API_TEST_POSTGRES";

    public static string? PostgresServer => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } s ? s : null;

    public static bool IsPostgres => PostgresServer is not null;

    /// <summary>Configuration for a new, empty database (nothing for SQLite: the data dir decides).</summary>
    public static async Task<Dictionary<string, string?>> CreateAsync()
    {
        if (PostgresServer is not { } server)
        {
            return [];
        }

        var name = "fa_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new Dictionary<string, string?>
        {
            ["Database:Provider"] = "postgres",
            ["Database:ConnectionString"] = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString,
        };
    }

    /// <summary>Drops a database made by <see cref="CreateAsync"/> (closing what is still connected).</summary>
    public static async Task DropAsync(IReadOnlyDictionary<string, string?> settings)
    {
        if (PostgresServer is not { } server || !settings.TryGetValue("Database:ConnectionString", out var database) || database is null)
        {
            return;
        }

        var name = new NpgsqlConnectionStringBuilder(database).Database;
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
