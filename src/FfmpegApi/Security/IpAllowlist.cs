using System.Net;
using System.Net.Sockets;
using FfmpegApi.Errors;

namespace FfmpegApi.Security;

/// <summary>Section <c>Security</c>: network access rules.</summary>
public sealed class NetworkAccessOptions
{
    public const string Section = "Security";

    /// <summary>CIDRs allowed to call the API (e.g. <c>10.0.0.0/8</c>, <c>2001:db8::/32</c>); empty allows all.</summary>
    public List<string> AllowedNetworks { get; } = [];

    /// <summary>Proxies whose <c>X-Forwarded-For</c> is believed; from anyone else the socket address counts.</summary>
    public List<string> TrustedProxies { get; } = [];
}

/// <summary>
/// CIDR matching on parsed addresses (the original compared strings with <c>startswith</c>, so 10.0.0.1 matched
/// 10.0.0.10). IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are compared as IPv4.
/// </summary>
public sealed class IpAllowlist
{
    private readonly IPNetwork[] _allowed;
    private readonly IPNetwork[] _trustedProxies;

    public IpAllowlist(IEnumerable<string> allowed, IEnumerable<string> trustedProxies)
    {
        _allowed = [.. allowed.Select(Parse)];
        _trustedProxies = [.. trustedProxies.Select(Parse)];
    }

    public bool IsEnabled => _allowed.Length > 0;

    public bool IsAllowed(IPAddress address) => !IsEnabled || Contains(_allowed, address);

    /// <summary>The request's client address (see the overload); null when the connection has no remote address.</summary>
    public IPAddress? ClientAddress(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } peer ? ClientAddress(peer, context.Request.Headers["X-Forwarded-For"].ToString()) : null;

    /// <summary>The client address: the right-most untrusted hop of X-Forwarded-For when the peer is a trusted proxy.</summary>
    public IPAddress ClientAddress(IPAddress peer, string? forwardedFor)
    {
        if (string.IsNullOrWhiteSpace(forwardedFor) || !Contains(_trustedProxies, peer))
        {
            return Normalize(peer);
        }

        var hops = forwardedFor.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        for (var i = hops.Length - 1; i >= 0; i--)
        {
            if (!IPAddress.TryParse(hops[i], out var hop))
            {
                return Normalize(peer); // a malformed chain is not trusted
            }

            if (!Contains(_trustedProxies, hop))
            {
                return Normalize(hop);
            }
        }

        return Normalize(peer);
    }

    /// <summary>A CIDR or a single address (as /32 or /128); false when it is neither.</summary>
    public static bool TryParse(string cidr, out IPNetwork network)
    {
        try
        {
            network = Parse(cidr);
            return true;
        }
        catch (FormatException)
        {
            network = default;
            return false;
        }
    }

    /// <summary>What a bad network entry is told, over HTTP and on the command line alike.</summary>
    public static string NotANetwork(string text) => $"'{text}' is not a CIDR (10.0.0.0/8, 2001:db8::/32) or an IP address.";

    /// <summary>Whether <paramref name="address"/> lies in one of <paramref name="cidrs"/> (IPv4-mapped addresses compared as IPv4).</summary>
    public static bool AnyContains(IEnumerable<string> cidrs, IPAddress address) =>
        Contains([.. cidrs.Select(c => TryParse(c, out var n) ? n : (IPNetwork?)null).OfType<IPNetwork>()], address);

    internal static IPNetwork Parse(string cidr)
    {
        var text = cidr.Trim();
        if (!text.Contains('/', StringComparison.Ordinal))
        {
            var single = IPAddress.Parse(text);
            text += single.AddressFamily == AddressFamily.InterNetwork ? "/32" : "/128";
        }

        return IPNetwork.Parse(text);
    }

    private static bool Contains(IPNetwork[] networks, IPAddress address)
    {
        var normalized = Normalize(address);
        return networks.Any(n => n.Contains(normalized));
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

/// <summary>Refuses requests from outside <c>Security:AllowedNetworks</c> with a 403 problem (health probes included).</summary>
public sealed class IpAllowlistMiddleware(RequestDelegate next, IpAllowlist allowlist)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var client = allowlist.ClientAddress(context) ?? IPAddress.None;
        if (!allowlist.IsAllowed(client))
        {
            context.Response.StatusCode = 403;
            await ApiProblem.Create(context, 403, ErrorCodes.AccessDenied, "Your network address is not allowed to use this API.").ExecuteAsync(context);
            return;
        }

        await next(context);
    }
}
