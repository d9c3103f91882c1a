using System.Net.Http.Headers;
using FfmpegApi.Core.Auth;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>A real server: the production host on Kestrel, bound to a free loopback port, with its own data dir.</summary>
public sealed class ApiServer : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _database;

    private ApiServer(WebApplication app, string dataDir, Dictionary<string, string?> database)
    {
        App = app;
        DataDir = dataDir;
        _database = database;
        BaseAddress = new Uri(app.Urls.First());
    }

    public WebApplication App { get; }

    public string DataDir { get; }

    public Uri BaseAddress { get; }

    public string StorageRoot => Path.Combine(DataDir, "storage");

    /// <summary>
    /// One output-format trial cache for every server of a test run, in-process and spawned (each would otherwise spend
    /// seconds of CPU on the same trial). Keyed by the ffmpeg binary and this build, so it is never stale.
    /// </summary>
    public static string OutputTrialCache { get; } = Path.Combine(Path.GetTempPath(), "ffmpeg-api-tests-trial");

    public string WorkspaceRoot => Path.Combine(DataDir, "work");

    /// <param name="settings">Configuration over the test defaults.</param>
    /// <param name="prepare">Runs on the empty data directory before the server starts (to plant a database or files).</param>
    public static async Task<ApiServer> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Func<string, Task>? prepare = null)
    {
        var dataDir = Directory.CreateTempSubdirectory("fa-test-").FullName;
        if (prepare is not null)
        {
            await prepare(dataDir);
        }

        var config = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Storage:DataDir"] = dataDir,
            ["Ffmpeg:OutputTrialCache"] = OutputTrialCache,
            ["Worker:Concurrency"] = "2",
            ["Worker:DrainSeconds"] = "0",
            ["Jobs:ProgressPersistMilliseconds"] = "200",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:FfmpegApi"] = "Warning",

            // The suites drive one key hard and submit many jobs at once; the limits have tests of their own.
            ["Limits:RequestsPerSecond"] = "0",

            // Scheduled backups have tests of their own (BackupTests).
            ["Backup:Enabled"] = "false",
            ["Limits:RequestsPerHour"] = "0",
            ["Limits:MaxActiveJobsPerTenant"] = "0",

            // Webhook receivers in tests listen on loopback: the operator allowlist is how a deployment reaches one.
            ["Webhooks:AllowHttp"] = "true",
            ["Webhooks:AllowedTargets:0"] = "127.0.0.1/32",
            ["Webhooks:PollSeconds"] = "0.2",
        };
        var database = await TestDatabase.CreateAsync();
        foreach (var (key, value) in database.Concat(settings ?? new Dictionary<string, string?>()))
        {
            config[key] = value;
        }

        var app = AppHost.Build([], config);
        await AppHost.InitializeAsync(app, announceAdminKey: false, CancellationToken.None);
        await app.StartAsync();
        return new ApiServer(app, dataDir, database);
    }

    public T Service<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    public async Task<string> CreateKeyAsync(string name, bool admin = false, string? tenant = null)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(name, admin, tenant, CancellationToken.None);
        return created.Plaintext;
    }

    public HttpClient Client(string? key = null, bool bearer = false)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            if (bearer)
            {
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
            else
            {
                client.DefaultRequestHeaders.Add("X-API-Key", key);
            }
        }

        return client;
    }

    /// <summary>A physical path for a virtual one under the default mount.</summary>
    public string Physical(string virtualPath) => Path.Combine(StorageRoot, virtualPath.TrimStart('/')["storage/".Length..]);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await TestDatabase.DropAsync(_database);
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
