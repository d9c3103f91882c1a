using System.Text;
using FfmpegApi.Core.Jobs;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace FfmpegApi.Core.Data;

/// <summary>
/// The database. This type is the SQLite context (its migrations are in <c>Data/Migrations</c>);
/// <see cref="PostgresAppDbContext"/> is the same model on PostgreSQL with migrations of its own.
/// </summary>
public class AppDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<Job> Jobs => Set<Job>();

    public DbSet<JobAttempt> JobAttempts => Set<JobAttempt>();

    /// <summary>The Data Protection key ring (encrypts webhook secrets), shared by every process through the database.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Job>(job =>
        {
            job.HasKey(j => j.Id);
            job.Property(j => j.Id).HasMaxLength(36);
            job.Property(j => j.TenantId).HasMaxLength(64);
            job.Property(j => j.ApiKeyId).HasMaxLength(36);
            job.Property(j => j.Status).HasConversion<string>().HasMaxLength(16);
            job.Property(j => j.Stage).HasMaxLength(32);
            job.Property(j => j.LeaseOwner).HasMaxLength(100);
            job.Property(j => j.Hardware).HasMaxLength(40);
            job.Property(j => j.TraceParent).HasMaxLength(55);
            job.Property(j => j.ErrorCode).HasMaxLength(64);
            // The claim query: next queued job by priority, then age.
            job.HasIndex(j => new { j.Status, j.Priority, j.CreatedAt });
            job.HasIndex(j => new { j.TenantId, j.CreatedAt });
            // Usage and limits per key: its jobs of a month, its active jobs.
            job.HasIndex(j => new { j.ApiKeyId, j.CreatedAt });
            // The PostgreSQL batch claim: each tenant's queued jobs in claim order, read a few at a time per tenant.
            job.HasIndex(j => new { j.TenantId, j.Priority, j.CreatedAt }, "ix_jobs_queued_by_tenant")
                .IsDescending(false, true, false)
                .HasFilter("status = 'Queued'");
            job.Property(j => j.BatchId).HasMaxLength(36);
            job.HasIndex(j => j.BatchId);
            job.Ignore(j => j.DependencyIds);
        });

        modelBuilder.Entity<JobAttempt>(attempt =>
        {
            attempt.HasKey(a => a.Id);
            attempt.Property(a => a.JobId).HasMaxLength(36);
            attempt.Property(a => a.WorkerId).HasMaxLength(100);
            attempt.Property(a => a.Outcome).HasMaxLength(16);
            attempt.Property(a => a.ErrorCode).HasMaxLength(64);
            attempt.HasIndex(a => new { a.JobId, a.Id });
        });

        // Each area's tables (Auth, Audit, Batches, Webhooks…) configure themselves: the context names none of them.
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
        ApplySnakeCase(modelBuilder);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every timestamp is UTC; SQLite loses DateTimeKind, so restore it on read.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    private static void ApplySnakeCase(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            entity.SetTableName(SnakeCase(entity.GetTableName()!));
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }

            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName(SnakeCase(index.GetDatabaseName()!));
            }
        }
    }

    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_')
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
