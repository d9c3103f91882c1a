using System.Net;
using FfmpegApi.Security;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>CIDR allowlists on parsed addresses; X-Forwarded-For only from trusted proxies. Only parsing here.</summary>
public sealed class IpAllowlistTests
{
    [Theory]
    [InlineData("10.0.0.1/32", "10.0.0.1", true)]
    [InlineData("10.0.0.1/32", "10.0.0.10", false)] // the original's startswith bug
    [InlineData("10.0.0.1", "10.0.0.100", false)]
    [InlineData("10.0.0.0/8", "10.255.1.1", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.168.1.0/24", "192.168.10.1", false)]
    [InlineData("2001:db8::/32", "2001:db8::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.0.0.5", true)] // IPv4-mapped IPv6
    [InlineData("fd00::/8", "::ffff:10.0.0.5", false)]
    public void Cidr_matching_uses_real_addresses(string network, string address, bool allowed) =>
        new IpAllowlist([network], []).IsAllowed(IPAddress.Parse(address)).ShouldBe(allowed);

    [Fact]
    public void An_empty_allowlist_allows_everyone()
    {
        var list = new IpAllowlist([], []);
        list.IsEnabled.ShouldBeFalse();
        list.IsAllowed(IPAddress.Parse("203.0.113.9")).ShouldBeTrue();
    }

    [Fact]
    public void Forwarded_for_is_believed_only_from_trusted_proxies()
    {
        var list = new IpAllowlist(["198.51.100.0/24"], ["127.0.0.1", "10.1.0.0/16"]);
        var untrusted = IPAddress.Parse("127.0.0.9");
        list.ClientAddress(untrusted, "198.51.100.7").ShouldBe(untrusted);
        list.ClientAddress(IPAddress.Parse("127.0.0.1"), "198.51.100.7").ShouldBe(IPAddress.Parse("198.51.100.7"));
        // Right-most untrusted hop wins: a client cannot prepend its own claim.
        list.ClientAddress(IPAddress.Parse("127.0.0.1"), "198.51.100.7, 203.0.113.5, 10.1.2.3").ShouldBe(IPAddress.Parse("203.0.113.5"));
        list.ClientAddress(IPAddress.Parse("127.0.0.1"), "not-an-ip").ShouldBe(IPAddress.Parse("127.0.0.1"));
        list.ClientAddress(IPAddress.Parse("::ffff:127.0.0.1"), "198.51.100.7").ShouldBe(IPAddress.Parse("198.51.100.7"));
        list.ClientAddress(IPAddress.Parse("127.0.0.1"), null).ShouldBe(IPAddress.Parse("127.0.0.1"));
    }
}

/// <summary>The middleware on a real server; all traffic stays on loopback.</summary>
public sealed class IpAllowlistServerTests
{
    [Fact]
    public async Task Requests_from_outside_the_allowlist_get_403_and_spoofed_headers_do_not_help()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?>
        {
            ["Security:AllowedNetworks:0"] = "127.0.0.2/32",
            ["Worker:Enabled"] = "false",
        });
        using var client = server.Client();
        using var denied = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        denied.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await denied.Content.ReadAsStringAsync()).ShouldContain("ACCESS_DENIED");

        using var spoof = new HttpRequestMessage(HttpMethod.Get, new Uri("/health/live", UriKind.Relative));
        spoof.Headers.Add("X-Forwarded-For", "127.0.0.2");
        using var spoofed = await client.SendAsync(spoof);
        spoofed.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_trusted_proxy_may_forward_an_allowed_client()
    {
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?>
        {
            ["Security:AllowedNetworks:0"] = "127.0.0.2/32",
            ["Security:TrustedProxies:0"] = "127.0.0.1",
            ["Worker:Enabled"] = "false",
        });
        using var client = server.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/health/live", UriKind.Relative));
        request.Headers.Add("X-Forwarded-For", "127.0.0.2");
        using var allowed = await client.SendAsync(request);
        allowed.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var direct = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        direct.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
