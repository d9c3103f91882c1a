using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FfmpegApi.Core.Data;

/// <summary>
/// Per-connection SQLite settings: NORMAL sync is durable with WAL across process crashes (only an OS crash can
/// lose the last transactions), and much faster than FULL for the frequent progress writes.
/// </summary>
internal sealed class SqlitePragmaInterceptor : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
        command.ExecuteNonQuery();
    }
}
