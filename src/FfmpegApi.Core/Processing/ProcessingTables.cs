using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// The tables of the worker registry: their model (applied by <see cref="AppDbContext"/> from the assembly, so the
/// context names no area) and their sets on the context.
/// </summary>
public static class ProcessingTables
{
    extension(AppDbContext db)
    {
        public DbSet<WorkerRecord> Workers => db.Set<WorkerRecord>();
    }
}

internal sealed class ProcessingModel : IEntityTypeConfiguration<WorkerRecord>
{
    public void Configure(EntityTypeBuilder<WorkerRecord> builder)
    {
        builder.ToTable("Workers");
        builder.HasKey(w => w.Id);
        builder.Property(w => w.Id).HasMaxLength(100);
        builder.Property(w => w.Host).HasMaxLength(255);
        builder.Property(w => w.Version).HasMaxLength(40);
        builder.HasIndex(w => w.HeartbeatAt);
    }
}
