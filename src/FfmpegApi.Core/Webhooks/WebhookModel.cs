using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Core.Webhooks;

/// <summary>The EF Core mapping of the webhook tables.</summary>
internal static class WebhookModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<WebhookSubscription>(s =>
        {
            s.HasKey(x => x.Id);
            s.Property(x => x.Id).HasMaxLength(40);
            s.Property(x => x.TenantId).HasMaxLength(64);
            s.Property(x => x.Url).HasMaxLength(2048);
            s.Property(x => x.Events).HasMaxLength(300);
            s.Property(x => x.Description).HasMaxLength(200);
            s.Property(x => x.DisabledReason).HasMaxLength(200);
            s.HasIndex(x => x.TenantId);
            s.Ignore(x => x.EventList);
        });
        modelBuilder.Entity<TenantWebhookSecret>(s =>
        {
            s.HasKey(x => x.TenantId);
            s.Property(x => x.TenantId).HasMaxLength(64);
        });
        modelBuilder.Entity<WebhookDelivery>(d =>
        {
            d.HasKey(x => x.Id);
            d.Property(x => x.Id).ValueGeneratedOnAdd();
            d.Property(x => x.EventId).HasMaxLength(40);
            d.Property(x => x.EventType).HasMaxLength(32);
            d.Property(x => x.TenantId).HasMaxLength(64);
            d.Property(x => x.JobId).HasMaxLength(36);
            d.Property(x => x.SubscriptionId).HasMaxLength(40);
            d.Property(x => x.Url).HasMaxLength(2048);
            d.Property(x => x.Format).HasMaxLength(16);
            d.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
            d.Property(x => x.LastError).HasMaxLength(500);
            // The dispatcher's scan: pending rows in id order.
            d.HasIndex(x => new { x.Status, x.Id });
            d.HasIndex(x => new { x.TenantId, x.Id });
            d.HasIndex(x => x.JobId);
        });
        modelBuilder.Entity<WebhookAttempt>(a =>
        {
            a.HasKey(x => x.Id);
            a.Property(x => x.Id).ValueGeneratedOnAdd();
            a.Property(x => x.Error).HasMaxLength(500);
            a.Property(x => x.ResponseSnippet).HasMaxLength(500);
            a.HasIndex(x => x.DeliveryId);
        });
    }
}
