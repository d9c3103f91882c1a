using FfmpegApi.Core;
using FfmpegApi.Core.Auth;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Endpoints.Admin;
using FfmpegApi.Endpoints.Analyze;
using FfmpegApi.Endpoints.ApiKeys;
using FfmpegApi.Endpoints.Batch;
using FfmpegApi.Endpoints.Capabilities;
using FfmpegApi.Endpoints.Estimate;
using FfmpegApi.Endpoints.Health;
using FfmpegApi.Endpoints.Jobs;
using FfmpegApi.Endpoints.Presets;
using FfmpegApi.Endpoints.Stream;
using FfmpegApi.Endpoints.Thumbnails;
using FfmpegApi.Endpoints.Uploads;
using FfmpegApi.Endpoints.Webhooks;
using FfmpegApi.Errors;
using FfmpegApi.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Scalar.AspNetCore;

namespace FfmpegApi;

/// <summary>What a process does: <c>serve</c> (API + workers), <c>api</c> (HTTP only), <c>worker</c> (jobs, with probes and metrics), <c>tool</c> (CLI commands).</summary>
public enum HostRole
{
    Serve,
    Api,
    Worker,
    Tool,
}

/// <summary>Builds and starts the ASP.NET Core host; used by the CLI and by the tests (real Kestrel on loopback).</summary>
public static partial class AppHost
{
    public const string DefaultUrls = "http://127.0.0.1:8000";

    /// <summary>Where a worker process answers /health/* and /metrics unless <c>--urls</c> says otherwise.</summary>
    public const string DefaultWorkerUrls = "http://127.0.0.1:8001";

    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?>? overrides = null, HostRole role = HostRole.Serve)
    {
        var workers = role is HostRole.Serve or HostRole.Worker;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        builder.WebHost.UseUrls(builder.Configuration["urls"] ?? (role == HostRole.Worker ? DefaultWorkerUrls : DefaultUrls));
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });

        // Every log line inside a traced request or job run carries its TraceId/SpanId (joins logs to traces).
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        AddTelemetry(builder, role);

        var services = builder.Services;
        services.AddFfmpegApiCore(builder.Configuration);
        if (workers && services.GetBoundOptions<Core.Configuration.WorkerOptions>().Enabled)
        {
            services.AddWorkers();
            // The host waits for the drain (and the hand-back after it) before it gives up on stopping.
            services.AddOptions<HostOptions>().Configure<Microsoft.Extensions.Options.IOptions<Core.Configuration.WorkerOptions>>((host, worker) =>
                host.ShutdownTimeout = TimeSpan.FromSeconds(Math.Max(host.ShutdownTimeout.TotalSeconds, worker.Value.DrainSeconds + 15)));
        }

        if (role is HostRole.Serve or HostRole.Api)
        {
            services.AddHostedService<Core.Processing.ClusterGauges>();
        }

        if (role is HostRole.Serve or HostRole.Api && services.GetBoundOptions<Core.Backup.BackupOptions>().Enabled)
        {
            services.AddHostedService<Core.Backup.BackupScheduler>();
        }

        services.AddSingleton<Core.Webhooks.IWebhookJobRepresentation, JobViewRepresentation>();
        services.AddSingleton<JobReads>();
        if (services.GetBoundOptions<Core.Webhooks.WebhookOptions>().Enabled)
        {
            services.AddWebhookDispatcher();
        }

        services.ConfigureHttpJsonOptions(o => JsonDefaults.Configure(o.SerializerOptions));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c => ApiProblem.Decorate(c.HttpContext, c.ProblemDetails));
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddScoped<HealthProbe>();
        services.AddHttpContextAccessor();
        services.AddScoped<JobSubmitter>();
        services.AddScoped<SubmitQuotas>();
        services.AddScoped<IdempotencyGate>();
        services.AddBoundOptions(builder.Configuration, NetworkAccessOptions.Section, out NetworkAccessOptions network);
        services.AddSingleton(new IpAllowlist(network.AllowedNetworks, network.TrustedProxies));
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(ScopePolicies.Add);
        services.AddBoundOptions(builder.Configuration, LimitOptions.Section, out LimitOptions limits).ValidateDataAnnotations().ValidateOnStart();
        // With several API processes on one PostgreSQL database, the hourly budget is counted once for all of them.
        var sharedLimits = role != HostRole.Worker && DatabaseSetup.IsPostgres(services.GetBoundOptions<Core.Configuration.DatabaseOptions>());
        if (sharedLimits)
        {
            services.AddSingleton<SharedHourlyLimit>();
            services.AddHostedService(sp => sp.GetRequiredService<SharedHourlyLimit>());
        }

        services.AddRateLimiter(options => RateLimits.Configure(options, limits, sharedLimits));
        services.AddOpenApi(o => o.AddDocumentTransformer(Endpoints.OpenApiDocumentShape.TransformDocumentAsync)
            .AddOperationTransformer(Endpoints.OpenApiDocumentShape.TransformOperationAsync)
            .AddSchemaTransformer(Endpoints.Requests.OpenApiSchemas.TransformAsync));

        var app = builder.Build();
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseHsts();
        app.UseMiddleware<IpAllowlistMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();

        app.MapHealth();
        // Prometheus text format; public like the health probes (put it behind the network, see docs/configuration.md).
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        if (role == HostRole.Worker)
        {
            // A worker process answers only its probes and metrics; jobs reach it through the database.
            return app;
        }

        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        if (app.Configuration.GetValue("Dashboard:Enabled", true))
        {
            Dashboard.DashboardEndpoints.MapDashboard(app);
        }

        app.MapScalarApiReference("/docs", o => o.WithOpenApiRoutePattern("/openapi/{documentName}.json")).AllowAnonymous();

        var api = app.MapGroup("/api/v1").RequireAuthorization().WithTags("Jobs").ProducesProblem(StatusCodes.Status401Unauthorized);
        // Scopes: creating jobs needs jobs:write, reading them jobs:read; /admin needs an admin key.
        var write = api.MapGroup(string.Empty).RequireAuthorization(ApiScopes.JobsWrite);
        write.MapConvert();
        write.MapUploads(api.MapGroup(string.Empty).RequireAuthorization(ApiScopes.JobsRead));
        write.MapAnalyze();
        write.MapStream();
        write.MapEstimate();
        write.MapThumbnails();
        write.MapBatchSubmission();
        api.MapGroup(string.Empty).RequireAuthorization(ApiScopes.JobsRead).MapBatchQueries();
        api.MapJobs();
        api.MapWebhooks();
        // Any key: its own tenant's keys (an admin key: all of them), the original API's routes.
        api.MapApiKeys();
        api.MapGroup(string.Empty).RequireAuthorization(ApiScopes.JobsRead).MapPresets();
        api.MapGroup("/admin").RequireAuthorization(ApiScopes.Admin).WithTags("Admin").MapAdminKeys().MapAudit().MapAdminWorkers().MapAdminStats();
        api.MapCapabilities(app.Configuration.GetValue("Api:CapabilitiesRequireKey", false));
        app.MapTusOptions(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Core.Configuration.JobOptions>>().Value.MaxInputBytes);
        return app;
    }

    /// <summary>Migrates the database, lays out the data directory, creates the first admin key if none exists.</summary>
    public static async Task InitializeAsync(WebApplication app, bool announceAdminKey, CancellationToken cancellationToken)
    {
        await DatabaseSetup.MigrateAsync(app.Services, cancellationToken);
        ServiceCollectionExtensions.EnsureDataLayout(app.Services);
        _ = app.Services.GetRequiredService<FfmpegTools>().GetCapabilitiesAsync();
        if (!announceAdminKey)
        {
            return;
        }

        await using var scope = app.Services.CreateAsyncScope();
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
        if (!await keys.AnyAsync(cancellationToken))
        {
            var created = await keys.CreateAsync("admin", isAdmin: true, tenantId: "admin", cancellationToken);
            // Written to the console once, never to the structured log: secrets stay out of log pipelines.
            await Console.Out.WriteLineAsync($"""

                ================================================================
                 First start: created an admin API key. It is shown only once.
                   {created.Plaintext}
                 Use it as 'X-API-Key: <key>' or 'Authorization: Bearer <key>'.
                ================================================================

                """);
        }
    }
}
