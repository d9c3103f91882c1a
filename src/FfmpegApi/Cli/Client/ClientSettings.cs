using System.Text.Json;
using System.Text.Json.Nodes;

namespace FfmpegApi.Cli.Client;

/// <summary>
/// Where the client commands send requests and with which key: <c>--server</c>/<c>--key</c>, else the environment
/// (<c>FFMPEG_API_URL</c>, <c>FFMPEG_API_KEY</c>), else the config file (<c>--config</c>, <c>FFMPEG_API_CONFIG</c>, or
/// <c>~/.config/ffmpeg-api/config.json</c>: <c>{ "url": "…", "key": "…" }</c>), else <c>http://127.0.0.1:8000</c>.
/// </summary>
public sealed record ClientSettings(Uri Server, string Key)
{
    public const string DefaultServer = "http://127.0.0.1:8000";

    /// <summary>The settings, or the reason they are unusable (no key, a malformed address, an unreadable file).</summary>
    public static (ClientSettings? Settings, string? Problem) Resolve(string? server, string? key, string? configPath, Func<string, string?> environment)
    {
        var path = configPath ?? environment("FFMPEG_API_CONFIG") ?? DefaultConfigPath(environment);
        string? fileServer = null, fileKey = null;
        if (path is not null && File.Exists(path))
        {
            try
            {
                var file = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
                fileServer = file?["url"]?.GetValue<string>();
                fileKey = file?["key"]?.GetValue<string>();
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                return (null, $"The config file {path} is not readable JSON ({{\"url\": …, \"key\": …}}): {ex.Message}");
            }
        }
        else if (configPath is not null)
        {
            return (null, $"The config file {configPath} does not exist.");
        }

        var url = Pick(server, environment("FFMPEG_API_URL"), fileServer) ?? DefaultServer;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return (null, $"The server address '{url}' is not an http(s) URL (--server, FFMPEG_API_URL or the config file).");
        }

        var secret = Pick(key, environment("FFMPEG_API_KEY"), fileKey);
        return secret is null
            ? (null, "No API key: pass --key, set FFMPEG_API_KEY, or put \"key\" in the config file.")
            : (new ClientSettings(uri, secret), null);
    }

    private static string? Pick(params string?[] candidates) => candidates.FirstOrDefault(c => !string.IsNullOrWhiteSpace(c));

    private static string? DefaultConfigPath(Func<string, string?> environment)
    {
        var home = environment("XDG_CONFIG_HOME") ?? (environment("HOME") is { } h ? Path.Combine(h, ".config") : null);
        return home is null ? null : Path.Combine(home, "ffmpeg-api", "config.json");
    }
}
