using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FfmpegApi.Core.Queue;

/// <summary>
/// The tables of the fair-share turn of each tenant: their model (applied by <see cref="AppDbContext"/> from the
/// assembly, so the context names no area) and their sets on the context.
/// </summary>
public static class QueueTables
{
    extension(AppDbContext db)
    {
        public DbSet<TenantSchedule> TenantSchedules => db.Set<TenantSchedule>();
    }
}

internal sealed class QueueModel : IEntityTypeConfiguration<TenantSchedule>
{
    public void Configure(EntityTypeBuilder<TenantSchedule> builder)
    {
        builder.ToTable("TenantSchedules");
        builder.HasKey(t => t.TenantId);
        builder.Property(t => t.TenantId).HasMaxLength(64);
    }
}
