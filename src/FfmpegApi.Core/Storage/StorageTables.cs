using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FfmpegApi.Core.Storage;

/// <summary>
/// The tables of tus uploads in progress: their model (applied by <see cref="AppDbContext"/> from the assembly, so the
/// context names no area) and their sets on the context.
/// </summary>
public static class StorageTables
{
    extension(AppDbContext db)
    {
        public DbSet<Upload> Uploads => db.Set<Upload>();
    }
}

internal sealed class StorageModel : IEntityTypeConfiguration<Upload>
{
    public void Configure(EntityTypeBuilder<Upload> builder)
    {
        builder.ToTable("Uploads");
        builder.HasKey(u => u.Id);
        builder.Property(u => u.Id).HasMaxLength(36);
        builder.Property(u => u.TenantId).HasMaxLength(64);
        builder.Property(u => u.ApiKeyId).HasMaxLength(36);
        builder.Property(u => u.FileName).HasMaxLength(255);
        builder.Ignore(u => u.Complete);
        builder.Ignore(u => u.Reference);
        builder.HasIndex(u => u.ExpiresAt);
    }
}
