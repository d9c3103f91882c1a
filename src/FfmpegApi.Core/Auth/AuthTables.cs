using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FfmpegApi.Core.Auth;

/// <summary>
/// The tables of API keys and the shared request-rate windows: their model (applied by <see cref="AppDbContext"/> from
/// the assembly, so the context names no area) and their sets on the context.
/// </summary>
public static class AuthTables
{
    extension(AppDbContext db)
    {
        public DbSet<ApiKey> ApiKeys => db.Set<ApiKey>();
        public DbSet<RequestWindow> RequestWindows => db.Set<RequestWindow>();
    }
}

internal sealed class AuthModel : IEntityTypeConfiguration<ApiKey>, IEntityTypeConfiguration<RequestWindow>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("ApiKeys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).HasMaxLength(36);
        builder.Property(k => k.Name).HasMaxLength(200);
        builder.Property(k => k.TenantId).HasMaxLength(64);
        builder.Property(k => k.Prefix).HasMaxLength(32);
        builder.Property(k => k.AllowedNetworks).HasMaxLength(2000);
        builder.HasIndex(k => k.Prefix).IsUnique();
        builder.Property(k => k.Scopes).HasMaxLength(200);
        builder.Property(k => k.LastUsedIp).HasMaxLength(64);
        builder.Property(k => k.ReplacedById).HasMaxLength(36);
        builder.Ignore(k => k.ScopeList);
        builder.Property(k => k.Description).HasMaxLength(1000);
        builder.Property(k => k.UserId).HasMaxLength(255);
        builder.Property(k => k.Organization).HasMaxLength(255);
        builder.Property(k => k.CreatedBy).HasMaxLength(36);
    }

    public void Configure(EntityTypeBuilder<RequestWindow> builder)
    {
        builder.ToTable("RequestWindows");
        builder.HasKey(w => new { w.Partition, w.Hour });
        builder.Property(w => w.Partition).HasMaxLength(80);
    }
}
