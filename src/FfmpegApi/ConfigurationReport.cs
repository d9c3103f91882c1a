using System.Text.RegularExpressions;

namespace FfmpegApi;

/// <summary>
/// The service's effective settings as one log line at start, secrets redacted: values of keys that name a secret
/// (passwords, keys, tokens, headers, credentials), passwords inside connection strings, and user info in URLs.
/// </summary>
public static partial class ConfigurationReport
{
    /// <summary>The sections this service reads (environment noise such as PATH stays out of the report).</summary>
    public static readonly string[] Sections =
        ["urls", "Api", "Backup", "Cache", "Dashboard", "Database", "Ffmpeg", "Hardware", "Health", "Jobs", "Keys", "Limits", "Network", "RemoteInputs", "Security", "Storage", "Telemetry", "Uploads", "Webhooks", "Worker"];

    public const string Redacted = "***";

    /// <summary>Every set value under <see cref="Sections"/>, by configuration path, redacted.</summary>
    public static SortedDictionary<string, string> Describe(IConfiguration configuration)
    {
        var settings = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (value is null || !Sections.Any(s => key.Equals(s, StringComparison.OrdinalIgnoreCase) || key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            settings[key] = Redact(key, value);
        }

        return settings;
    }

    /// <summary>The value as it may be logged.</summary>
    public static string Redact(string key, string value)
    {
        var name = key[(key.LastIndexOf(':') + 1)..];
        if (SecretName().IsMatch(name))
        {
            return value.Length == 0 ? value : Redacted;
        }

        var text = ConnectionPassword().Replace(value, m => m.Groups[1].Value + "=" + Redacted);
        return UrlUserInfo().Replace(text, m => m.Groups[1].Value + Redacted + "@");
    }

    public static void Log(WebApplication app, HostRole role)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("FfmpegApi.Startup");
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var roleName = role.ToString().ToLowerInvariant();
        var text = string.Join("; ", Describe(app.Configuration).Select(s => $"{s.Key}={s.Value}"));
        LogStarting(logger, roleName, text);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Starting {Role} with configuration: {Configuration}")]
    private static partial void LogStarting(ILogger logger, string role, string configuration);

    [GeneratedRegex("(?i)(secret|password|pwd|token|accesskey|accountkey|apikey|^key$|headers|credential|sas|signature|privatekey)")]
    private static partial Regex SecretName();

    [GeneratedRegex("(?i)\\b(password|pwd)\\s*=[^;,]*")]
    private static partial Regex ConnectionPassword();

    [GeneratedRegex("(?i)\\b([a-z][a-z0-9+.-]*://)[^/@\\s]+@")]
    private static partial Regex UrlUserInfo();
}
