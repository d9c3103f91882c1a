using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Data;

/// <summary>
/// The same model on PostgreSQL. A type of its own only so that EF Core keeps a separate migration history
/// (<c>Data/PostgresMigrations</c>, generated for PostgreSQL column types); code always asks for <see cref="AppDbContext"/>.
/// </summary>
public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options);
