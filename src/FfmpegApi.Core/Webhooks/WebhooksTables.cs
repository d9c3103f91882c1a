using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FfmpegApi.Core.Webhooks;

/// <summary>
/// The webhook tables (subscriptions, tenant secrets, the delivery outbox and its attempts): their model (applied by
/// <see cref="AppDbContext"/> from the assembly, so the context names no area) and their sets on the context.
/// </summary>
public static class WebhooksTables
{
    extension(AppDbContext db)
    {
        public DbSet<WebhookSubscription> WebhookSubscriptions => db.Set<WebhookSubscription>();
        public DbSet<TenantWebhookSecret> TenantWebhookSecrets => db.Set<TenantWebhookSecret>();
        public DbSet<WebhookDelivery> WebhookDeliveries => db.Set<WebhookDelivery>();
        public DbSet<WebhookAttempt> WebhookAttempts => db.Set<WebhookAttempt>();
    }
}

internal sealed class WebhooksModel :
    IEntityTypeConfiguration<WebhookSubscription>,
    IEntityTypeConfiguration<TenantWebhookSecret>,
    IEntityTypeConfiguration<WebhookDelivery>,
    IEntityTypeConfiguration<WebhookAttempt>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> builder)
    {
        builder.ToTable("WebhookSubscriptions");
        builder.HasKey(x => x.Id);
        builder.Property(x => x.Id).HasMaxLength(40);
        builder.Property(x => x.TenantId).HasMaxLength(64);
        builder.Property(x => x.Url).HasMaxLength(2048);
        builder.Property(x => x.Events).HasMaxLength(300);
        builder.Property(x => x.Description).HasMaxLength(200);
        builder.Property(x => x.DisabledReason).HasMaxLength(200);
        builder.HasIndex(x => x.TenantId);
        builder.Ignore(x => x.EventList);
    }

    public void Configure(EntityTypeBuilder<TenantWebhookSecret> builder)
    {
        builder.ToTable("TenantWebhookSecrets");
        builder.HasKey(x => x.TenantId);
        builder.Property(x => x.TenantId).HasMaxLength(64);
    }

    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.ToTable("WebhookDeliveries");
        builder.HasKey(x => x.Id);
        builder.Property(x => x.Id).ValueGeneratedOnAdd();
        builder.Property(x => x.EventId).HasMaxLength(40);
        builder.Property(x => x.EventType).HasMaxLength(32);
        builder.Property(x => x.TenantId).HasMaxLength(64);
        builder.Property(x => x.JobId).HasMaxLength(36);
        builder.Property(x => x.SubscriptionId).HasMaxLength(40);
        builder.Property(x => x.Url).HasMaxLength(2048);
        builder.Property(x => x.Format).HasMaxLength(16);
        builder.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(x => x.LastError).HasMaxLength(500);
        // The dispatcher's scan: pending rows in id order.
        builder.HasIndex(x => new { x.Status, x.Id });
        builder.HasIndex(x => new { x.TenantId, x.Id });
        builder.HasIndex(x => x.JobId);
    }

    public void Configure(EntityTypeBuilder<WebhookAttempt> builder)
    {
        builder.ToTable("WebhookAttempts");
        builder.HasKey(x => x.Id);
        builder.Property(x => x.Id).ValueGeneratedOnAdd();
        builder.Property(x => x.Error).HasMaxLength(500);
        builder.Property(x => x.ResponseSnippet).HasMaxLength(500);
        builder.HasIndex(x => x.DeliveryId);
    }
}
