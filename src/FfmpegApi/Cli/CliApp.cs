using System.CommandLine;
using FfmpegApi.Core.Audit;
using FfmpegApi.Core.Auth;
using FfmpegApi.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Cli;

/// <summary>
/// <c>ffmpeg-api serve | migrate | keys</c>. Command-line options are translated into configuration keys, so
/// every option can equally come from appsettings.json or the environment (<c>Section__Key</c>).
/// </summary>
public static class CliApp
{
    public static async Task<int> RunAsync(string[] args)
    {
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory (database, storage, workspaces). Default ./data" };
        var urls = new Option<string?>("--urls") { Description = $"Listen address(es). Default {AppHost.DefaultUrls}" };
        var concurrency = new Option<int?>("--concurrency") { Description = "Jobs run at once (default: half the cores, at least 1)" };

        var serve = new Command("serve", "Run the API and the workers in one process (embedded SQLite + local storage by default)") { dataDir, urls, concurrency };
        serve.SetAction((result, ct) => RunHostAsync(result, dataDir, urls, concurrency, HostRole.Serve, ct));
        var api = new Command("api", "Run the HTTP API only (scale-out: workers run as 'worker' processes on the same PostgreSQL database)") { dataDir, urls };
        api.SetAction((result, ct) => RunHostAsync(result, dataDir, urls, null, HostRole.Api, ct));
        var worker = new Command("worker", "Run workers only; --urls is where /health/* and /metrics answer (default http://127.0.0.1:8001)") { dataDir, urls, concurrency };
        worker.SetAction((result, ct) => RunHostAsync(result, dataDir, urls, concurrency, HostRole.Worker, ct));

        var migrate = new Command("migrate", "Apply database migrations and exit") { dataDir };
        migrate.SetAction(async (result, ct) =>
        {
            await using var app = AppHost.Build(Rest(result), Overrides(result, dataDir, null, null), HostRole.Tool);
            await DatabaseSetup.MigrateAsync(app.Services, ct);
            await Console.Out.WriteLineAsync("Database is up to date.");
            return 0;
        });

        var root = new RootCommand("FFmpeg API: media processing jobs over REST") { serve, api, worker, migrate, KeysCommand(dataDir), BackupCommands.Backup(dataDir), BackupCommands.Restore(dataDir) };
        foreach (var client in Client.ClientCommands.All())
        {
            root.Subcommands.Add(client);
        }

        // The host handles SIGTERM/Ctrl+C itself (graceful drain, Worker:DrainSeconds); System.CommandLine's own handler
        // would end the process after two seconds with 143, cutting the drain short.
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    /// <summary>
    /// Starts a long-running process. Every role migrates on start (idempotent; concurrent starts on PostgreSQL are
    /// serialized by EF Core's migration lock), so 'migrate' is only needed where a deployment wants it as its own step.
    /// </summary>
    private static async Task<int> RunHostAsync(ParseResult result, Option<string?> dataDir, Option<string?> urls, Option<int?>? concurrency, HostRole role, CancellationToken ct)
    {
        WebApplication app;
        try
        {
            app = AppHost.Build(Rest(result), Overrides(result, dataDir, urls, concurrency), role);
            ConfigurationReport.Log(app, role);
            await AppHost.InitializeAsync(app, announceAdminKey: role != HostRole.Worker, ct);
            await app.StartAsync(ct);
        }
        catch (Exception ex) when (InvalidSetting(ex) is { } problem)
        {
            // Refuse to start, naming the setting, without a stack trace.
            await Console.Error.WriteLineAsync($"Invalid configuration: {problem}");
            return 2;
        }

        await app.WaitForShutdownAsync(CancellationToken.None);
        await app.DisposeAsync();
        return 0;
    }

    /// <summary>The message of a configuration error (failed validation, or a value of the wrong type), else null.</summary>
    private static string? InvalidSetting(Exception ex) => ex switch
    {
        Microsoft.Extensions.Options.OptionsValidationException validation =>
            (validation.OptionsType.GetField("Section")?.GetRawConstantValue() is string section ? $"[{section}] " : string.Empty) + string.Join(" ", validation.Failures),
        InvalidOperationException { Message: var m } when m.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => m,
        InvalidOperationException { InnerException: { } inner } => InvalidSetting(inner),
        _ => null,
    };

    private static Command KeysCommand(Option<string?> dataDir)
    {
        var name = new Option<string>("--name") { Description = "A label for the key", Required = true };
        var admin = new Option<bool>("--admin") { Description = "Grant admin rights (every scope, every tenant)" };
        var tenant = new Option<string?>("--tenant") { Description = "Tenant id (default: a new tenant of its own)" };
        var scopes = new Option<string[]>("--scope") { Description = $"A scope to grant (repeatable): {string.Join(", ", ApiScopes.Grantable)}. Default: both", AllowMultipleArgumentsPerToken = true };
        var expires = new Option<int?>("--expires-days") { Description = "Expire the key after this many days" };
        var networks = new Option<string[]>("--allow-network") { Description = "A CIDR or address the key may be used from (repeatable). Default: anywhere", AllowMultipleArgumentsPerToken = true };
        var perSecond = new Option<int?>("--requests-per-second") { Description = "This key's request limit per second (0: none). Default: Limits:RequestsPerSecond" };
        var perHour = new Option<int?>("--requests-per-hour") { Description = "This key's request limit per hour (0: none). Default: Limits:RequestsPerHour" };
        var create = new Command("create", "Create an API key; the key is the last line of stdout") { dataDir, name, admin, tenant, scopes, expires, networks, perSecond, perHour };
        create.SetAction(async (result, ct) =>
        {
            var granted = result.GetValue(scopes) is { Length: > 0 } s ? s : null;
            if (granted?.FirstOrDefault(g => !ApiScopes.Grantable.Contains(g)) is { } unknown)
            {
                await Console.Error.WriteLineAsync($"Unknown scope '{unknown}'. Grantable: {string.Join(", ", ApiScopes.Grantable)}; --admin for an admin key.");
                return 2;
            }

            var allowed = new List<string>();
            foreach (var cidr in result.GetValue(networks) ?? [])
            {
                if (!Security.IpAllowlist.TryParse(cidr, out var network))
                {
                    await Console.Error.WriteLineAsync(Security.IpAllowlist.NotANetwork(cidr));
                    return 2;
                }

                allowed.Add(network.ToString());
            }

            if (result.GetValue(perSecond) is < 0 || result.GetValue(perHour) is < 0)
            {
                await Console.Error.WriteLineAsync("Request limits must be 0 (none) or more.");
                return 2;
            }

            return await WithKeysAsync(result, dataDir, ct: ct, action: async (keys, audit) =>
            {
                var days = result.GetValue(expires);
                var request = new KeyRequest(result.GetValue(name)!, result.GetValue(admin), result.GetValue(tenant), granted, days is { } d ? TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(d) : null)
                {
                    AllowedNetworks = allowed,
                    RequestsPerSecond = result.GetValue(perSecond),
                    RequestsPerHour = result.GetValue(perHour),
                };
                var created = await keys.CreateAsync(request, ct);
                await audit.RecordAsync(Cli(AuditActions.KeyCreate, created.Key.Id, created.Key.TenantId), ct);
                await Console.Out.WriteLineAsync($"Created key '{created.Key.Name}' (id {created.Key.Id}, tenant {created.Key.TenantId}, scopes {string.Join(' ', created.Key.ScopeList)}). It is shown only once:");
                await Console.Out.WriteLineAsync(created.Plaintext);
                return 0;
            });
        });

        var list = new Command("list", "List API keys (never their secrets)") { dataDir };
        list.SetAction((result, ct) => WithKeysAsync(result, dataDir, ct: ct, action: async (keys, audit) =>
        {
            foreach (var key in await keys.ListAsync(null, ct))
            {
                await Console.Out.WriteLineAsync(Describe(key));
            }

            return 0;
        }));

        var id = new Argument<string>("id") { Description = "The key's id (from keys list)" };
        var show = new Command("show", "Show one key (never its secret)") { dataDir, id };
        show.SetAction((result, ct) => WithKeysAsync(result, dataDir, ct: ct, action: async (keys, audit) =>
        {
            var key = await keys.FindAsync(result.GetValue(id)!, ct);
            await (key is null ? Console.Error.WriteLineAsync("No such key.") : Console.Out.WriteLineAsync(Describe(key)));
            return key is null ? 1 : 0;
        }));

        var overlap = new Option<int>("--overlap-hours") { Description = "How long the old key keeps working", DefaultValueFactory = _ => 24 };
        var rotate = new Command("rotate", "Issue a replacement key; the old one keeps working for the overlap. The new key is the last line of stdout") { dataDir, id, overlap };
        rotate.SetAction((result, ct) => WithKeysAsync(result, dataDir, ct: ct, action: async (keys, audit) =>
        {
            var rotated = await keys.RotateAsync(result.GetValue(id)!, TimeSpan.FromHours(result.GetValue(overlap)), ct);
            if (rotated is not { } r)
            {
                await Console.Error.WriteLineAsync("No such key, or it is revoked or expired.");
                return 1;
            }

            await audit.RecordAsync(Cli(AuditActions.KeyRotate, r.Previous.Id, r.Previous.TenantId), ct);
            await Console.Out.WriteLineAsync($"Old key {r.Previous.Id} works until {r.Previous.ExpiresAt:u}. New key (id {r.Replacement.Key.Id}), shown only once:");
            await Console.Out.WriteLineAsync(r.Replacement.Plaintext);
            return 0;
        }));

        var revoke = new Command("revoke", "Revoke a key at once") { dataDir, id };
        revoke.SetAction((result, ct) => WithKeysAsync(result, dataDir, ct: ct, action: async (keys, audit) =>
        {
            var key = await keys.RevokeAsync(result.GetValue(id)!, ct);
            if (key is not null)
            {
                await audit.RecordAsync(Cli(AuditActions.KeyRevoke, key.Id, key.TenantId), ct);
            }

            await (key is null ? Console.Error.WriteLineAsync("No such key.") : Console.Out.WriteLineAsync(Describe(key)));
            return key is null ? 1 : 0;
        }));

        return new Command("keys", "Manage API keys") { create, list, show, rotate, revoke };
    }

    private static AuditEntry Cli(string action, string target, string tenant) =>
        new(action, null, null, true, target, null) { TargetTenant = tenant, Source = "cli", Detail = $"by {Environment.UserName} on {Environment.MachineName}" };

    private static string Describe(ApiKey key) =>
        $"{key.Id}  fa_{key.Prefix}_…  {key.Name}  tenant={key.TenantId}  scopes={string.Join(',', key.ScopeList)}"
        + (key.ExpiresAt is { } e ? $"  expires={e:u}" : string.Empty)
        + (key.NetworkList.Count > 0 ? $"  networks={string.Join(',', key.NetworkList)}" : string.Empty)
        + (key.RequestsPerSecond is { } rps ? $"  per_second={rps}" : string.Empty)
        + (key.RequestsPerHour is { } rph ? $"  per_hour={rph}" : string.Empty)
        + (key.RevokedAt is null ? string.Empty : "  revoked")
        + (key.LastUsedAt is { } u ? $"  last_used={u:u} from {key.LastUsedIp ?? "?"}" : string.Empty);

    private static async Task<int> WithKeysAsync(ParseResult result, Option<string?> dataDir, Func<ApiKeyService, AuditLog, Task<int>> action, CancellationToken ct)
    {
        await using var app = await OpenAsync(result, dataDir, ct);
        await using var scope = app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<ApiKeyService>(), scope.ServiceProvider.GetRequiredService<AuditLog>());
    }

    private static async Task<WebApplication> OpenAsync(ParseResult result, Option<string?> dataDir, CancellationToken ct)
    {
        var app = AppHost.Build(Rest(result), Overrides(result, dataDir, null, null), HostRole.Tool);
        await DatabaseSetup.MigrateAsync(app.Services, ct);
        return app;
    }

    internal static Dictionary<string, string?> Overrides(ParseResult result, Option<string?> dataDir, Option<string?>? urls, Option<int?>? concurrency)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (result.GetValue(dataDir) is { } dir)
        {
            overrides["Storage:DataDir"] = dir;
        }

        if (urls is not null && result.GetValue(urls) is { } u)
        {
            overrides["urls"] = u;
        }

        if (concurrency is not null && result.GetValue(concurrency) is { } c)
        {
            overrides["Worker:Concurrency"] = c.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return overrides;
    }

    internal static string[] Rest(ParseResult result) => [.. result.UnmatchedTokens];
}
