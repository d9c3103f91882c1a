using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FfmpegApi.Core.Batches;

/// <summary>
/// The tables of batches of jobs: their model (applied by <see cref="AppDbContext"/> from the assembly, so the context
/// names no area) and their sets on the context.
/// </summary>
public static class BatchesTables
{
    extension(AppDbContext db)
    {
        public DbSet<Batch> Batches => db.Set<Batch>();
    }
}

internal sealed class BatchesModel : IEntityTypeConfiguration<Batch>
{
    public void Configure(EntityTypeBuilder<Batch> builder)
    {
        builder.ToTable("Batches");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Id).HasMaxLength(36);
        builder.Property(b => b.TenantId).HasMaxLength(64);
        builder.Property(b => b.ApiKeyId).HasMaxLength(36);
        builder.Property(b => b.Mode).HasMaxLength(16);
        builder.HasIndex(b => new { b.TenantId, b.CreatedAt });
    }
}
