using FfmpegApi.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace FfmpegApi.Tests;

/// <summary>The configuration is logged at start with secrets redacted; an invalid setting stops the start, named.</summary>
public sealed class ConfigurationReportTests
{
    [Fact]
    public void Secrets_are_redacted_and_everything_else_is_shown()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Profiles:media:AccessKey"] = "AKIAEXAMPLE",
            ["Storage:Profiles:media:SecretKey"] = "s3-secret",
            ["Storage:Profiles:media:Endpoint"] = "https://backup:hunter2@minio.internal:9000",
            ["Storage:Profiles:azure:AccountKey"] = "azure-secret",
            ["Storage:Profiles:azure:SasToken"] = "sv=2024&sig=abc",
            ["Database:ConnectionString"] = "Host=db;Username=app;Password=pg-secret;Database=ffmpeg",
            ["Cache:Redis"] = "redis:6379,password=redis-secret,ssl=true",
            ["Telemetry:Otlp:Headers"] = "Authorization=Bearer otel-secret",
            ["Keys:CacheSeconds"] = "30",
            ["Worker:Concurrency"] = "4",
            ["PATH"] = "/usr/bin",
        }).Build();

        var settings = ConfigurationReport.Describe(configuration);
        var text = string.Join("\n", settings.Select(s => $"{s.Key}={s.Value}"));
        foreach (var secret in new[] { "AKIAEXAMPLE", "s3-secret", "hunter2", "azure-secret", "sig=abc", "pg-secret", "redis-secret", "otel-secret" })
        {
            text.ShouldNotContain(secret);
        }

        settings["Storage:Profiles:media:SecretKey"].ShouldBe(ConfigurationReport.Redacted);
        settings["Storage:Profiles:media:Endpoint"].ShouldBe("https://***@minio.internal:9000");
        settings["Database:ConnectionString"].ShouldBe("Host=db;Username=app;Password=***;Database=ffmpeg");
        settings["Cache:Redis"].ShouldBe("redis:6379,password=***,ssl=true");
        settings["Keys:CacheSeconds"].ShouldBe("30");
        settings["Worker:Concurrency"].ShouldBe("4");
        settings.ShouldNotContainKey("PATH");
    }

    [Fact]
    public async Task The_server_logs_its_configuration_at_start_without_the_secrets()
    {
        var dataDir = Directory.CreateTempSubdirectory("fa-config-").FullName;
        try
        {
            using var server = await ServerProcess.StartAsync(dataDir, ServerProcess.FreePort(), environment: new Dictionary<string, string?>
            {
                ["Telemetry__Otlp__Endpoint"] = "http://127.0.0.1:9",
                ["Telemetry__Otlp__Headers"] = "Authorization=Bearer otel-secret-42",
                ["Logging__LogLevel__FfmpegApi"] = "Information",
            });
            var line = server.Output.Split('\n').FirstOrDefault(l => l.Contains("with configuration", StringComparison.Ordinal));
            line.ShouldNotBeNull(server.Output);
            line.ShouldContain("Starting serve");
            line.ShouldContain("Telemetry:Otlp:Endpoint=http://127.0.0.1:9");
            line.ShouldContain("Telemetry:Otlp:Headers=***");
            server.Output.ShouldNotContain("otel-secret-42");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Theory]
    [InlineData("Worker__Concurrency", "lots", "Worker:Concurrency")]
    [InlineData("Telemetry__Otlp__Protocol", "thrift", "Telemetry:Otlp:Protocol")]
    [InlineData("Cache__ProbeSeconds", "-5", "[Cache] DataAnnotation validation failed for 'CacheOptions' members: 'ProbeSeconds'")]
    public async Task An_invalid_setting_stops_the_start_with_exit_code_2_naming_it(string variable, string value, string named)
    {
        var dataDir = Directory.CreateTempSubdirectory("fa-config-").FullName;
        try
        {
            var (exitCode, _, stderr) = await ServerProcess.RunCliWithErrorsAsync(
                new Dictionary<string, string?> { [variable] = value, ["Telemetry__Otlp__Endpoint"] = "http://127.0.0.1:9" },
                "serve", "--data-dir", dataDir, "--urls", $"http://127.0.0.1:{ServerProcess.FreePort()}");
            exitCode.ShouldBe(2, stderr);
            stderr.ShouldStartWith("Invalid configuration:");
            stderr.ShouldContain(named);
            stderr.ShouldNotContain("   at ", Case.Sensitive, "no stack trace");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
