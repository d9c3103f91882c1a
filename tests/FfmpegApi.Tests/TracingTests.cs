using System.Security.Cryptography;
using FfmpegApi.Tests.Infrastructure;
using OpenTelemetry.Trace;

namespace FfmpegApi.Tests;

/// <summary>OTLP traces: a request, the job it queues and the ffmpeg it runs form one trace at a real OTLP/HTTP receiver.</summary>
public sealed class TracingTests
{
    [Fact]
    public async Task A_convert_request_its_job_run_and_ffmpeg_form_one_trace()
    {
        await using var collector = await OtlpCollector.StartAsync();
        await using var server = await ApiServer.StartAsync(new Dictionary<string, string?>
        {
            ["Telemetry:Otlp:Endpoint"] = collector.Endpoint,
            ["Telemetry:Otlp:ExportDelayMilliseconds"] = "200",
            ["Telemetry:ServiceName"] = "ffmpeg-api-test",
        });
        await TestMedia.GenerateAsync(Path.Combine(server.StorageRoot, "input", "traced.mp4"), 1);
        var key = await server.CreateKeyAsync("tracing");
        using var client = server.Client(key);

        // The caller's own trace: the service continues it.
        var traceId = RandomNumberGenerator.GetHexString(32, lowercase: true);
        var callerSpan = RandomNumberGenerator.GetHexString(16, lowercase: true);
        client.DefaultRequestHeaders.Add("traceparent", $"00-{traceId}-{callerSpan}-01");
        var id = await client.SubmitAsync("""{"input":"/storage/input/traced.mp4","output":"mp4"}""");
        (await client.WaitForEndAsync(id))["status"]!.GetValue<string>().ShouldBe("completed");

        var spans = await collector.WaitForAsync(
            s => s.Count(x => x.TraceId == traceId && x.Name == "job.run") == 1 && s.Any(x => x.TraceId == traceId && x.Name == "ffmpeg"),
            TimeSpan.FromSeconds(30));
        var trace = spans.Where(s => s.TraceId == traceId).ToList();

        // The submit request (a SERVER span = kind 2), child of the caller's span.
        var request = trace.Single(s => s.Kind == 2 && s.Name.StartsWith("POST", StringComparison.Ordinal));
        request.ParentSpanId.ShouldBe(callerSpan);
        request.Attribute("http.response.status_code").ShouldBe("202");

        // The job run (a CONSUMER span = kind 5), child of the request although a worker ran it later.
        var run = trace.Single(s => s.Name == "job.run");
        run.Kind.ShouldBe(5);
        run.ParentSpanId.ShouldBe(request.SpanId);
        run.Attribute("job.id").ShouldBe(id);
        run.Attribute("job.status").ShouldBe("completed");
        run.Scope.ShouldBe("FfmpegApi");

        // ffmpeg processes under the run; never their arguments. A plain conversion spawns no ffprobe (#28): ffmpeg's own
        // description of its input and output stands in for it (spans of the runs that still probe share ffmpeg's code).
        var ffmpeg = trace.Where(s => s.Name == "ffmpeg").ToList();
        ffmpeg.ShouldNotBeEmpty();
        ffmpeg.ShouldAllBe(s => s.ParentSpanId == run.SpanId && s.Attribute("process.exit.code") == "0" && s.Scope == "FfmpegApi.Media");
        trace.ShouldNotContain(s => s.Name == "ffprobe");
        trace.SelectMany(s => s.Attributes.Values).ShouldAllBe(v => !v.Contains(key, StringComparison.Ordinal) && !v.Contains("traced.mp4", StringComparison.Ordinal));
        collector.ContentTypes.ShouldContain("application/x-protobuf");

        // Health probes and scrapes are not traced.
        (await client.GetAsync(new Uri("/health/live", UriKind.Relative))).EnsureSuccessStatusCode();
        await Task.Delay(600);
        collector.Spans.ShouldNotContain(s => s.TraceId == traceId && s.Name.Contains("health", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_an_endpoint_no_tracer_is_registered()
    {
        Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT").ShouldBeNull();
        using var data = new TempDir();
        using var app = AppHost.Build([], new Dictionary<string, string?> { ["Storage:DataDir"] = data.Path }, HostRole.Tool);
        app.Services.GetService<TracerProvider>().ShouldBeNull();
    }

    [Theory]
    [InlineData("Protocol", "thrift", "Telemetry:Otlp:Protocol")]
    [InlineData("Endpoint", "collector:4318", "Telemetry:Otlp:Endpoint")]
    [InlineData("ExportDelayMilliseconds", "5", "Telemetry:Otlp:ExportDelayMilliseconds")]
    public async Task A_bad_tracing_setting_stops_the_start_naming_it(string setting, string value, string named)
    {
        using var data = new TempDir();
        await using var app = AppHost.Build([], new Dictionary<string, string?>
        {
            ["Storage:DataDir"] = data.Path,
            ["urls"] = "http://127.0.0.1:0",
            ["Telemetry:Otlp:Endpoint"] = "http://127.0.0.1:4318",
            ["Telemetry:Otlp:" + setting] = value,
        }, HostRole.Tool);
        var error = await Should.ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));
        error.Message.ShouldContain(named);
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("fa-otel-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
