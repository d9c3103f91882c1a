using System.Net;
using FfmpegApi.Core.Net;
using FfmpegApi.Core.Webhooks;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// The SSRF guard, checked on addresses only (no traffic leaves loopback), the Standard Webhooks signature, and the
/// retry schedule.
/// </summary>
public sealed class WebhookGuardTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.5.4")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.0.1")]
    [InlineData("169.254.169.254")] // AWS/GCP/Azure instance metadata
    [InlineData("100.64.0.1")]
    [InlineData("100.100.100.200")] // Alibaba metadata (CGNAT range)
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("198.18.0.1")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("fd00:ec2::254")] // AWS metadata over IPv6
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("2002:a9fe:a9fe::1")] // 6to4 wrapping 169.254.169.254
    [InlineData("64:ff9b::a9fe:a9fe")] // NAT64 wrapping 169.254.169.254
    [InlineData("ff02::1")]
    public void Private_loopback_link_local_and_metadata_addresses_are_not_public(string address)
    {
        OutboundTargetPolicy.IsPublic(IPAddress.Parse(address)).ShouldBeFalse();
        new OutboundTargetPolicy([], allowHttp: true).CheckUrl($"http://{(address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address)}/hook", out _)
            .ShouldNotBeNull().ShouldContain("private");
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void Public_addresses_are_allowed(string address)
    {
        OutboundTargetPolicy.IsPublic(IPAddress.Parse(address)).ShouldBeTrue();
        new OutboundTargetPolicy([], allowHttp: false).IsAllowed(IPAddress.Parse(address)).ShouldBeTrue();
    }

    [Fact]
    public void The_operator_allowlist_lifts_the_block_for_exactly_its_networks_and_hosts()
    {
        var policy = new OutboundTargetPolicy(["127.0.0.1/32", "10.20.0.0/16", "receiver.internal"], allowHttp: false);
        policy.IsAllowed(IPAddress.Parse("127.0.0.1")).ShouldBeTrue();
        policy.IsAllowed(IPAddress.Parse("::ffff:127.0.0.1")).ShouldBeTrue();
        policy.IsAllowed(IPAddress.Parse("127.0.0.2")).ShouldBeFalse();
        policy.IsAllowed(IPAddress.Parse("10.20.3.4")).ShouldBeTrue();
        policy.IsAllowed(IPAddress.Parse("10.21.0.1")).ShouldBeFalse();
        policy.CheckUrl("https://receiver.internal/hook", out _).ShouldBeNull();
        policy.CheckUrl("https://other.internal/hook", out _).ShouldNotBeNull().ShouldContain("local name");
        policy.CheckUrl("http://10.20.3.4/hook", out _).ShouldNotBeNull().ShouldContain("https");
    }

    [Theory]
    [InlineData("ftp://example.com/x", "https")]
    [InlineData("no scheme here", "absolute")]
    [InlineData("https://user:pw@example.com/", "credentials")]
    [InlineData("https://localhost/hook", "local name")]
    [InlineData("https://metadata.google.internal/computeMetadata/v1/", "local name")]
    [InlineData("https://printer.local/", "local name")]
    public void Urls_that_cannot_be_targets_are_refused_before_any_lookup(string url, string reason) =>
        new OutboundTargetPolicy([], allowHttp: false).CheckUrl(url, out _).ShouldNotBeNull().ShouldContain(reason);

    [Fact]
    public async Task The_address_is_checked_again_when_connecting_so_a_refused_target_gets_no_request()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var sender = new WebhookSender(new OutboundTargetPolicy([], allowHttp: true), TimeProvider.System, TimeSpan.FromSeconds(5));
        var outcome = await sender.SendAsync(receiver.Url(), "msg_1", "{}", [WebhookSignature.NewSecret()], TestContext.Current.CancellationToken);
        outcome.StatusCode.ShouldBeNull();
        outcome.Retriable.ShouldBeFalse();
        outcome.Error.ShouldNotBeNull().ShouldContain("Refused to connect");
        receiver.Received.ShouldBeEmpty();
    }

    [Fact]
    public void Signatures_follow_the_standard_webhooks_test_vector()
    {
        // The example from the Standard Webhooks specification.
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        const string body = """{"test": 2432232314}""";
        WebhookSignature.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).ShouldBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        var now = DateTimeOffset.FromUnixTimeSeconds(1614265330);
        var header = WebhookSignature.Header([secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        WebhookSignature.Verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", header, body, now, TimeSpan.FromMinutes(5)).ShouldBeTrue();
        WebhookSignature.Verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", header, body.Replace('2', '3'), now, TimeSpan.FromMinutes(5)).ShouldBeFalse("tampered body");
        WebhookSignature.Verify(secret, "msg_other", "1614265330", header, body, now, TimeSpan.FromMinutes(5)).ShouldBeFalse("other message id");
        WebhookSignature.Verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", header, body, now.AddMinutes(10), TimeSpan.FromMinutes(5)).ShouldBeFalse("stale timestamp");
        WebhookSignature.Verify(WebhookSignature.NewSecret(), "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", header, body, now, TimeSpan.FromMinutes(5)).ShouldBeFalse("other secret");
    }

    [Fact]
    public void Retries_back_off_four_times_longer_each_time_up_to_the_cap_and_honour_retry_after()
    {
        var settings = new WebhookOptions { RetryBaseSeconds = 10, RetryMaxSeconds = 3600 };
        WebhookDispatcher.Backoff(settings, 1, null, 1).ShouldBe(TimeSpan.FromSeconds(10));
        WebhookDispatcher.Backoff(settings, 2, null, 1).ShouldBe(TimeSpan.FromSeconds(40));
        WebhookDispatcher.Backoff(settings, 3, null, 1).ShouldBe(TimeSpan.FromSeconds(160));
        WebhookDispatcher.Backoff(settings, 9, null, 1).ShouldBe(TimeSpan.FromSeconds(3600));
        WebhookDispatcher.Backoff(settings, 2, null, 0.8).ShouldBe(TimeSpan.FromSeconds(32));
        WebhookDispatcher.Backoff(settings, 1, TimeSpan.FromSeconds(120), 1).ShouldBe(TimeSpan.FromSeconds(120));
        WebhookDispatcher.Backoff(settings, 1, TimeSpan.FromSeconds(5), 1).ShouldBe(TimeSpan.FromSeconds(10));
        WebhookDispatcher.Backoff(settings, 1, TimeSpan.FromDays(2), 1).ShouldBe(TimeSpan.FromSeconds(3600));
    }
}
