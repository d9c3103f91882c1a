using System.Net;
using System.Net.Sockets;

namespace FfmpegApi.Core.Net;

/// <summary>
/// The SSRF guard for every connection the service makes on a user's behalf (webhooks; remote inputs later):
/// only http(s), only public addresses unless the operator allowlisted the host or network. The check runs on the
/// URL at registration and again on the address actually connected to (<see cref="ConnectAsync"/>), which defeats
/// DNS rebinding: a name that resolved to a public address yesterday and to 169.254.169.254 now is refused.
/// </summary>
public sealed class OutboundTargetPolicy
{
    // Not reachable from the public internet, or special: loopback, private, CGNAT, link-local (cloud metadata at
    // 169.254.169.254 and fd00:ec2::254), multicast, documentation, benchmarking and reserved ranges.
    private static readonly IPNetwork[] Blocked =
    [
        .. new[]
        {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
            "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
            "224.0.0.0/4", "240.0.0.0/4",
            "::/128", "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "fc00::/7",
            "fe80::/10", "fec0::/10", "ff00::/8",
        }.Select(IPNetwork.Parse),
    ];

    private readonly IPNetwork[] _allowedNetworks;
    private readonly HashSet<string> _allowedHosts;

    private readonly string _section;

    /// <param name="allowedTargets">Hosts, addresses and CIDR networks let through although not public.</param>
    /// <param name="allowHttp">Whether plain http is allowed besides https.</param>
    /// <param name="section">The configuration section the settings come from, named in refusal messages.</param>
    public OutboundTargetPolicy(IEnumerable<string> allowedTargets, bool allowHttp, string section = "Webhooks")
    {
        AllowHttp = allowHttp;
        _section = section;
        var networks = new List<IPNetwork>();
        _allowedHosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in allowedTargets.Select(e => e.Trim()).Where(e => e.Length > 0))
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                _allowedHosts.Add(entry);
            }
        }

        _allowedNetworks = [.. networks];
    }

    public bool AllowHttp { get; }

    /// <summary>True for an address on the public internet (IPv4-mapped and 6to4 IPv6 are judged by their IPv4).</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6 && IPNetwork.Parse("2002::/16").Contains(address))
        {
            // 6to4: 2002:AABB:CCDD::/48 embeds the IPv4 address AA.BB.CC.DD.
            var bytes = address.GetAddressBytes();
            address = new IPAddress(bytes.AsSpan(2, 4));
        }

        return !Blocked.Any(n => n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address));
    }

    /// <summary>Whether a connection to this address may be made: public, or inside an allowlisted network.</summary>
    public bool IsAllowed(IPAddress address)
    {
        var v4 = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return IsPublic(address) || _allowedNetworks.Any(n => n.BaseAddress.AddressFamily == v4.AddressFamily && n.Contains(v4));
    }

    public bool IsAllowedHost(string host) => _allowedHosts.Contains(host);

    /// <summary>The checks that need no DNS: absolute http(s) URL, no credentials, an allowed literal address. Null when fine.</summary>
    public string? CheckUrl(string? url, out Uri? uri)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(url) || url.Length > 2048 || !Uri.TryCreate(url, UriKind.Absolute, out var parsed))
        {
            return "Must be an absolute https URL.";
        }

        if (parsed.Scheme != Uri.UriSchemeHttps && !(AllowHttp && parsed.Scheme == Uri.UriSchemeHttp))
        {
            return AllowHttp ? "Must be an http or https URL." : $"Must be an https URL (http is refused unless {_section}:AllowHttp is set).";
        }

        if (parsed.UserInfo.Length > 0)
        {
            return "Must not contain credentials.";
        }

        uri = parsed;
        var host = parsed.IdnHost.Trim('[', ']');
        if (IsAllowedHost(host))
        {
            return null;
        }

        if (IPAddress.TryParse(host, out var literal))
        {
            return IsAllowed(literal) ? null : RefusedAddress(literal);
        }

        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".internal", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".local", StringComparison.OrdinalIgnoreCase)
            ? $"The host '{host}' is a local name; only public hosts (or those in {_section}:AllowedTargets) may be targets."
            : null;
    }

    /// <summary><see cref="CheckUrl"/> plus a DNS lookup: a name that resolves to any refused address is refused.</summary>
    public async Task<string?> CheckResolvedAsync(string? url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (CheckUrl(url, out var uri) is { } problem)
        {
            return problem;
        }

        var host = uri!.IdnHost.Trim('[', ']');
        if (IsAllowedHost(host) || IPAddress.TryParse(host, out _))
        {
            return null;
        }

        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            var addresses = await Dns.GetHostAddressesAsync(host, limit.Token);
            return addresses.FirstOrDefault(a => !IsAllowed(a)) is { } refused ? RefusedAddress(refused) : null;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Not resolvable now (offline, not yet created): decided again when a delivery connects.
            return null;
        }
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves the host itself and connects only to an allowed
    /// address, so the address checked is the address used.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = IsAllowedHost(host) ? addresses : [.. addresses.Where(IsAllowed)];
        if (allowed.Length == 0)
        {
            throw new OutboundTargetRefusedException($"Refused to connect to '{host}': it resolves only to private, loopback, link-local or reserved addresses.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The one way this service builds a client for user-named URLs: every connection through <see cref="ConnectAsync"/>,
    /// no proxy, no cookies, no automatic redirects (a caller that follows one checks the new URL with <see cref="CheckUrl"/>).
    /// </summary>
    public SocketsHttpHandler CreateHandler(TimeSpan connectTimeout) => new()
    {
        ConnectCallback = ConnectAsync,
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = connectTimeout,
    };

    private string RefusedAddress(IPAddress address) =>
        $"The address {address} is private, loopback, link-local or reserved; only public targets (or those in {_section}:AllowedTargets) are allowed.";
}

/// <summary>A connection the <see cref="OutboundTargetPolicy"/> refused (permanent: retrying cannot help).</summary>
public sealed class OutboundTargetRefusedException(string message) : HttpRequestException(message);
