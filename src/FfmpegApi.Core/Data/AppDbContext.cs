using System.Text;
using FfmpegApi.Core.Auth;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Webhooks;
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

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<Audit.AuditEvent> AuditEvents => Set<Audit.AuditEvent>();

    public DbSet<WebhookSubscription> WebhookSubscriptions => Set<WebhookSubscription>();

    public DbSet<TenantWebhookSecret> TenantWebhookSecrets => Set<TenantWebhookSecret>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();

    public DbSet<Idempotency.IdempotencyRecord> IdempotencyRecords => Set<Idempotency.IdempotencyRecord>();

    /// <summary>The Data Protection key ring (encrypts webhook secrets), shared by every process through the database.</summary>
    public DbSet<Batches.Batch> Batches => Set<Batches.Batch>();

    public DbSet<Processing.WorkerRecord> Workers => Set<Processing.WorkerRecord>();

    public DbSet<Queue.TenantSchedule> TenantSchedules => Set<Queue.TenantSchedule>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Auth.RequestWindow> RequestWindows => Set<Auth.RequestWindow>();

    public DbSet<Storage.Upload> Uploads => Set<Storage.Upload>();

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

        modelBuilder.Entity<Processing.WorkerRecord>(worker =>
        {
            worker.HasKey(w => w.Id);
            worker.Property(w => w.Id).HasMaxLength(100);
            worker.Property(w => w.Host).HasMaxLength(255);
            worker.Property(w => w.Version).HasMaxLength(40);
            worker.HasIndex(w => w.HeartbeatAt);
        });

        modelBuilder.Entity<Storage.Upload>(upload =>
        {
            upload.HasKey(u => u.Id);
            upload.Property(u => u.Id).HasMaxLength(36);
            upload.Property(u => u.TenantId).HasMaxLength(64);
            upload.Property(u => u.ApiKeyId).HasMaxLength(36);
            upload.Property(u => u.FileName).HasMaxLength(255);
            upload.Ignore(u => u.Complete);
            upload.Ignore(u => u.Reference);
            upload.HasIndex(u => u.ExpiresAt);
        });

        modelBuilder.Entity<Auth.RequestWindow>(window =>
        {
            window.HasKey(w => new { w.Partition, w.Hour });
            window.Property(w => w.Partition).HasMaxLength(80);
        });

        modelBuilder.Entity<Queue.TenantSchedule>(turn =>
        {
            turn.HasKey(t => t.TenantId);
            turn.Property(t => t.TenantId).HasMaxLength(64);
        });

        modelBuilder.Entity<Batches.Batch>(batch =>
        {
            batch.HasKey(b => b.Id);
            batch.Property(b => b.Id).HasMaxLength(36);
            batch.Property(b => b.TenantId).HasMaxLength(64);
            batch.Property(b => b.ApiKeyId).HasMaxLength(36);
            batch.Property(b => b.Mode).HasMaxLength(16);
            batch.HasIndex(b => new { b.TenantId, b.CreatedAt });
        });

        modelBuilder.Entity<ApiKey>(key =>
        {
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasMaxLength(36);
            key.Property(k => k.Name).HasMaxLength(200);
            key.Property(k => k.TenantId).HasMaxLength(64);
            key.Property(k => k.Prefix).HasMaxLength(32);
            key.Property(k => k.AllowedNetworks).HasMaxLength(2000);
            key.HasIndex(k => k.Prefix).IsUnique();
            key.Property(k => k.Scopes).HasMaxLength(200);
            key.Property(k => k.LastUsedIp).HasMaxLength(64);
            key.Property(k => k.ReplacedById).HasMaxLength(36);
            key.Ignore(k => k.ScopeList);
        });

        modelBuilder.Entity<Audit.AuditEvent>(audit =>
        {
            audit.HasKey(e => e.Id);
            audit.Property(e => e.Id).HasMaxLength(36);
            audit.Property(e => e.Action).HasMaxLength(64);
            audit.Property(e => e.ActorKeyId).HasMaxLength(36);
            audit.Property(e => e.ActorTenant).HasMaxLength(64);
            audit.Property(e => e.Target).HasMaxLength(64);
            audit.Property(e => e.TargetTenant).HasMaxLength(64);
            audit.Property(e => e.ClientIp).HasMaxLength(64);
            audit.Property(e => e.Source).HasMaxLength(16);
            audit.Property(e => e.Detail).HasMaxLength(500);
            audit.HasIndex(e => e.At);
            audit.HasIndex(e => new { e.Action, e.At });
        });

        WebhookModel.Configure(modelBuilder);
        modelBuilder.Entity<Idempotency.IdempotencyRecord>(r =>
        {
            r.HasKey(x => new { x.TenantId, x.Key });
            r.Property(x => x.TenantId).HasMaxLength(64);
            r.Property(x => x.Key).HasMaxLength(Idempotency.IdempotencyRecord.MaxKeyLength);
            r.Property(x => x.RequestHash).HasMaxLength(64);
            r.Property(x => x.Location).HasMaxLength(200);
            r.HasIndex(x => x.ExpiresAt);
        });
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
