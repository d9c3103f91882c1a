using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FfmpegApi.Core.Audit;

/// <summary>
/// The tables of the audit log: their model (applied by <see cref="AppDbContext"/> from the assembly, so the context
/// names no area) and their sets on the context.
/// </summary>
public static class AuditTables
{
    extension(AppDbContext db)
    {
        public DbSet<AuditEvent> AuditEvents => db.Set<AuditEvent>();
    }
}

internal sealed class AuditModel : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.ToTable("AuditEvents");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).HasMaxLength(36);
        builder.Property(e => e.Action).HasMaxLength(64);
        builder.Property(e => e.ActorKeyId).HasMaxLength(36);
        builder.Property(e => e.ActorTenant).HasMaxLength(64);
        builder.Property(e => e.Target).HasMaxLength(64);
        builder.Property(e => e.TargetTenant).HasMaxLength(64);
        builder.Property(e => e.ClientIp).HasMaxLength(64);
        builder.Property(e => e.Source).HasMaxLength(16);
        builder.Property(e => e.Detail).HasMaxLength(500);
        builder.HasIndex(e => e.At);
        builder.HasIndex(e => new { e.Action, e.At });
    }
}
