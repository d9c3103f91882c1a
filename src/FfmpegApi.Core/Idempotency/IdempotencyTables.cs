using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FfmpegApi.Core.Idempotency;

/// <summary>
/// The tables of stored answers to idempotent requests: their model (applied by <see cref="AppDbContext"/> from the
/// assembly, so the context names no area) and their sets on the context.
/// </summary>
public static class IdempotencyTables
{
    extension(AppDbContext db)
    {
        public DbSet<IdempotencyRecord> IdempotencyRecords => db.Set<IdempotencyRecord>();
    }
}

internal sealed class IdempotencyModel : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("IdempotencyRecords");
        builder.HasKey(x => new { x.TenantId, x.Key });
        builder.Property(x => x.TenantId).HasMaxLength(64);
        builder.Property(x => x.Key).HasMaxLength(IdempotencyRecord.MaxKeyLength);
        builder.Property(x => x.RequestHash).HasMaxLength(64);
        builder.Property(x => x.Location).HasMaxLength(200);
        builder.HasIndex(x => x.ExpiresAt);
    }
}
