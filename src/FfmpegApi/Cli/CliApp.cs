using System.CommandLine;
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

        var serve = new Command("serve", "Run the API and the workers in one process (embedded SQLite + local storage)") { dataDir, urls, concurrency };
        serve.SetAction(async (result, ct) =>
        {
            var app = AppHost.Build(Rest(result), Overrides(result, dataDir, urls, concurrency));
            await AppHost.InitializeAsync(app, announceAdminKey: true, ct);
            await app.RunAsync();
            return 0;
        });

        var migrate = new Command("migrate", "Apply database migrations and exit") { dataDir };
        migrate.SetAction(async (result, ct) =>
        {
            await using var app = AppHost.Build(Rest(result), Overrides(result, dataDir, null, null), workers: false);
            await DatabaseSetup.MigrateAsync(app.Services, ct);
            await Console.Out.WriteLineAsync("Database is up to date.");
            return 0;
        });

        var root = new RootCommand("FFmpeg API: media processing jobs over REST") { serve, migrate, KeysCommand(dataDir) };
        return await root.Parse(args).InvokeAsync();
    }

    private static Command KeysCommand(Option<string?> dataDir)
    {
        var name = new Option<string>("--name") { Description = "A label for the key", Required = true };
        var admin = new Option<bool>("--admin") { Description = "Grant admin rights (sees every tenant)" };
        var tenant = new Option<string?>("--tenant") { Description = "Tenant id (default: a new tenant of its own)" };
        var create = new Command("create", "Create an API key; the key is the last line of stdout") { dataDir, name, admin, tenant };
        create.SetAction(async (result, ct) =>
        {
            await using var app = await OpenAsync(result, dataDir, ct);
            await using var scope = app.Services.CreateAsyncScope();
            var created = await scope.ServiceProvider.GetRequiredService<ApiKeyService>()
                .CreateAsync(result.GetValue(name)!, result.GetValue(admin), result.GetValue(tenant), ct);
            await Console.Out.WriteLineAsync($"Created key '{created.Key.Name}' (id {created.Key.Id}, tenant {created.Key.TenantId}{(created.Key.IsAdmin ? ", admin" : "")}). It is shown only once:");
            await Console.Out.WriteLineAsync(created.Plaintext);
            return 0;
        });

        var list = new Command("list", "List API keys (never their secrets)") { dataDir };
        list.SetAction(async (result, ct) =>
        {
            await using var app = await OpenAsync(result, dataDir, ct);
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            foreach (var key in await db.ApiKeys.AsNoTracking().OrderBy(k => k.CreatedAt).ToListAsync(ct))
            {
                await Console.Out.WriteLineAsync($"{key.Id}  fa_{key.Prefix}_…  {key.Name}  tenant={key.TenantId}{(key.IsAdmin ? "  admin" : "")}{(key.RevokedAt is null ? "" : "  revoked")}");
            }

            return 0;
        });

        return new Command("keys", "Manage API keys") { create, list };
    }

    private static async Task<WebApplication> OpenAsync(ParseResult result, Option<string?> dataDir, CancellationToken ct)
    {
        var app = AppHost.Build(Rest(result), Overrides(result, dataDir, null, null), workers: false);
        await DatabaseSetup.MigrateAsync(app.Services, ct);
        return app;
    }

    private static Dictionary<string, string?> Overrides(ParseResult result, Option<string?> dataDir, Option<string?>? urls, Option<int?>? concurrency)
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

    private static string[] Rest(ParseResult result) => [.. result.UnmatchedTokens];
}
