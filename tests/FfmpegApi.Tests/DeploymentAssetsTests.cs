using System.Diagnostics;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace FfmpegApi.Tests;

/// <summary>
/// The packaging in deploy/: Dockerfile, compose files, Helm chart, Terraform example and systemd unit. Neither docker,
/// helm nor terraform installs here from Debian apt or npm, so these checks are static: files parse, every path they
/// copy or mount exists, every value and variable they reference is declared. The systemd unit is verified by
/// systemd-analyze itself.
/// </summary>
public sealed partial class DeploymentAssetsTests
{
    private static readonly string Root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
    private static readonly string Deploy = Path.Combine(Root, "deploy");

    [Fact]
    public void The_dockerfile_is_multi_stage_non_root_with_a_health_check_and_copies_only_what_exists()
    {
        var lines = Logical(File.ReadAllText(Path.Combine(Deploy, "Dockerfile")));
        var stages = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        stages.Count.ShouldBeGreaterThanOrEqualTo(3);
        var final = lines.SkipWhile(l => l != stages[^1]).ToList();
        final.ShouldContain(l => l.StartsWith("USER ", StringComparison.Ordinal) && !l.Contains("root", StringComparison.Ordinal) && l != "USER 0");
        final.ShouldContain(l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal) && l.Contains("/health/live", StringComparison.Ordinal));
        final.ShouldContain(l => l.StartsWith("ENTRYPOINT [\"/app/ffmpeg-api\"]", StringComparison.Ordinal));
        final.ShouldContain(l => l.StartsWith("RUN apt-get update", StringComparison.Ordinal) && l.Contains(" ffmpeg ", StringComparison.Ordinal));
        final.ShouldContain("EXPOSE 8000");
        lines.ShouldNotContain(l => l.StartsWith("ADD ", StringComparison.Ordinal), "ADD can fetch URLs; COPY only");
        lines.Where(l => l.StartsWith("RUN ", StringComparison.Ordinal)).ShouldAllBe(l => !Regex.IsMatch(l, @"(curl|wget)\s+\S*https?://"), "nothing is downloaded outside apt, NuGet and npm");

        var copied = lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]).ToList();
        copied.Count.ShouldBeGreaterThan(5);
        copied.ShouldAllBe(source => File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)));
        lines.ShouldContain(l => l.Contains("dotnet publish src/FfmpegApi/FfmpegApi.csproj", StringComparison.Ordinal));
        var ignored = File.ReadAllLines(Path.Combine(Root, ".dockerignore"));
        ignored.ShouldContain("**/bin");
        ignored.ShouldContain("**/obj");
        ignored.ShouldNotContain("src");
    }

    [Fact]
    public void The_compose_files_run_real_roles_and_mount_files_that_exist()
    {
        var scaleOut = Yaml(Path.Combine(Deploy, "docker-compose.yml"));
        var services = Map(scaleOut["services"]);
        services.Keys.ShouldBe(["postgres", "api-1", "api-2", "worker-1", "worker-2", "prometheus", "grafana"], ignoreOrder: true);
        foreach (var (name, value) in services.Where(s => s.Key.StartsWith("api", StringComparison.Ordinal) || s.Key.StartsWith("worker", StringComparison.Ordinal)))
        {
            var service = Map(value);
            var command = List(service["command"]);
            command[0].ShouldBe(name.StartsWith("api", StringComparison.Ordinal) ? "api" : "worker");
            Map(service["environment"])["Database__Provider"].ShouldBe("postgres");
            Map(service["build"])["dockerfile"].ShouldBe("deploy/Dockerfile");
            List(service["volumes"]).ShouldContain("media:/data", $"{name} shares the media volume");
        }

        Map(services["postgres"]).ShouldContainKey("healthcheck");
        var prometheus = Yaml(Path.Combine(Deploy, "compose", "prometheus", "prometheus.yml"));
        var targets = Items(Map(Items(prometheus["scrape_configs"])[0])["static_configs"]).SelectMany(c => List(Map(c)["targets"])).ToList();
        targets.ShouldBe(["api-1:8000", "api-2:8000", "worker-1:8000", "worker-2:8000"], ignoreOrder: true);

        var embedded = Map(Map(Yaml(Path.Combine(Deploy, "docker-compose.embedded.yml"))["services"])["ffmpeg-api"]);
        List(embedded["command"])[0].ShouldBe("serve");

        // Every bind mount names a file or folder of this repository.
        foreach (var mount in new[] { services["prometheus"], services["grafana"] }.SelectMany(s => List(Map(s)["volumes"])))
        {
            var source = mount.Split(':')[0];
            (File.Exists(Path.Combine(Deploy, source)) || Directory.Exists(Path.Combine(Deploy, source))).ShouldBeTrue(source);
        }
    }

    [Fact]
    public void Every_value_and_helper_the_helm_templates_use_is_declared()
    {
        var chart = Path.Combine(Deploy, "helm", "ffmpeg-api");
        var meta = Yaml(Path.Combine(chart, "Chart.yaml"));
        meta["apiVersion"].ShouldBe("v2");
        meta["name"].ShouldBe("ffmpeg-api");
        var values = Yaml(Path.Combine(chart, "values.yaml"));
        var templates = Directory.GetFiles(Path.Combine(chart, "templates")).ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        var all = string.Join("\n", templates.Values);

        var references = ValuesReference().Matches(all).Select(m => m.Groups[1].Value).Distinct().ToList();
        references.Count.ShouldBeGreaterThan(30);
        references.Where(r => !Resolves(values, r.Split('.'))).ShouldBeEmpty();

        // The worker pools: $pool.* must exist in the GPU pool, and in the CPU pool unless GPU-only (guarded by .gpu).
        foreach (var key in PoolReference().Matches(all).Select(m => m.Groups[1].Value).Distinct())
        {
            Resolves(values, ["gpuWorker", key]).ShouldBeTrue($"gpuWorker.{key}");
            (key is "runtimeClassName" or "gpusPerPod" || Resolves(values, ["worker", key])).ShouldBeTrue($"worker.{key}");
        }

        var defined = DefineName().Matches(templates["_helpers.tpl"]).Select(m => m.Groups[1].Value).ToHashSet();
        IncludeName().Matches(all).Select(m => m.Groups[1].Value).Distinct().Where(n => !defined.Contains(n)).ShouldBeEmpty();
        foreach (var (name, text) in templates.Where(t => t.Key != "NOTES.txt"))
        {
            Opening().Count(text).ShouldBe(Closing().Count(text), $"{name}: if/range/with/define and end must pair up");
        }

        all.ShouldContain("kind: HorizontalPodAutoscaler");
        all.ShouldContain("kind: PodDisruptionBudget");
        all.ShouldContain("kind: ServiceMonitor");
        all.ShouldContain("nvidia.com/gpu: {{ $pool.gpusPerPod }}");
        all.ShouldContain("terminationGracePeriodSeconds");
        File.ReadAllText(Path.Combine(chart, "files", "alerts.yml")).ShouldBe(File.ReadAllText(Path.Combine(Deploy, "prometheus", "alerts.yml")), "the chart's copy of the alert rules");
    }

    [Fact]
    public void The_terraform_example_declares_every_variable_and_resource_it_uses()
    {
        var dir = Path.Combine(Deploy, "terraform");
        var files = Directory.GetFiles(dir, "*.tf").ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        files.Keys.ShouldBe(["main.tf", "outputs.tf", "variables.tf", "versions.tf"], ignoreOrder: true);
        foreach (var (name, text) in files)
        {
            text.Count(c => c == '{').ShouldBe(text.Count(c => c == '}'), name);
            text.Count(c => c == '[').ShouldBe(text.Count(c => c == ']'), name);
        }

        var all = string.Join("\n", files.Values);
        var declared = Regex.Matches(files["variables.tf"], "variable \"([a-z_]+)\"").Select(m => m.Groups[1].Value).ToHashSet();
        Regex.Matches(all, @"\bvar\.([a-z_]+)").Select(m => m.Groups[1].Value).Distinct().Where(v => !declared.Contains(v)).ShouldBeEmpty();
        var resources = Regex.Matches(all, "resource \"([a-z0-9_]+)\" \"([a-z0-9_]+)\"").Select(m => $"{m.Groups[1].Value}.{m.Groups[2].Value}").ToHashSet();
        var used = Regex.Matches(all, @"\b((?:aws|random|helm)_[a-z0-9_]+\.[a-z0-9_]+)\.").Select(m => m.Groups[1].Value).Distinct().ToList();
        used.Count.ShouldBeGreaterThanOrEqualTo(8);
        used.Where(r => !resources.Contains(r)).ShouldBeEmpty();
        Directory.Exists(Path.Combine(dir, "..", "helm", "ffmpeg-api")).ShouldBeTrue();
        files["main.tf"].ShouldContain("set_sensitive");
        all.ShouldNotContain("AKIA");
    }

    [Fact]
    public async Task The_systemd_unit_passes_systemd_analyze_verify()
    {
        var analyze = new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(analyze is null, "systemd-analyze is not installed");
        var unit = await File.ReadAllTextAsync(Path.Combine(Deploy, "systemd", "ffmpeg-api.service"), TestContext.Current.CancellationToken);
        unit.ShouldContain("ExecStart=/opt/ffmpeg-api/ffmpeg-api serve");
        unit.ShouldContain("RestartPreventExitStatus=2");

        // Verified with the binary path pointed at one that exists here (the real one is installed by the operator).
        var dir = Directory.CreateTempSubdirectory("fa-unit-").FullName;
        try
        {
            var copy = Path.Combine(dir, "ffmpeg-api.service");
            await File.WriteAllTextAsync(copy, unit.Replace("/opt/ffmpeg-api/ffmpeg-api", "/bin/true", StringComparison.Ordinal), TestContext.Current.CancellationToken);
            using var process = Process.Start(new ProcessStartInfo(analyze!, ["verify", copy]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var errors = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            var complaints = (errors + output).Split('\n').Where(l => l.Contains("ffmpeg-api.service", StringComparison.Ordinal)).ToList();
            complaints.ShouldBeEmpty();
            process.ExitCode.ShouldBe(0, errors);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_built_service_runs_with_the_runtime_settings_measured_beside_ffmpeg()
    {
        // src/ServiceRuntime.props (docs/performance.md): the host's runtimeconfig.json is what dotnet reads at start.
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ffmpeg-api.runtimeconfig.json")));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32().ShouldBe(0);
        properties.GetProperty("System.Runtime.TieredPGO").GetBoolean().ShouldBeFalse();
        properties.GetProperty("System.GC.Server").GetBoolean().ShouldBeTrue();
        File.ReadAllText(Path.Combine(Root, "bench", "FfmpegApi.Bench", "FfmpegApi.Bench.csproj")).ShouldContain("ServiceRuntime.props");
    }

    /// <summary>Dockerfile lines with continuations joined and comments dropped.</summary>
    private static List<string> Logical(string text) =>
        [.. Regex.Replace(text, @"\\\r?\n\s*", " ").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#')];

    private static Dictionary<string, object> Yaml(string path)
    {
        using var reader = new StringReader(File.ReadAllText(path));
        return Map(new DeserializerBuilder().Build().Deserialize<object>(new MergingParser(new Parser(reader)))!);
    }

    private static Dictionary<string, object> Map(object node) =>
        ((IDictionary<object, object>)node).ToDictionary(p => (string)p.Key, p => p.Value ?? string.Empty);

    private static IList<object> Items(object node) => (IList<object>)node;

    private static List<string> List(object node) => [.. ((IList<object>)node).Select(o => o as string ?? string.Empty)];

    private static bool Resolves(Dictionary<string, object> values, IEnumerable<string> path)
    {
        object node = values;
        foreach (var part in path)
        {
            if (node is not IDictionary<string, object> and not IDictionary<object, object>)
            {
                return true; // a map or list value: what lies below is the user's
            }

            var map = node as IDictionary<string, object> ?? Map(node);
            if (!map.TryGetValue(part, out var next))
            {
                return false;
            }

            node = next;
        }

        return true;
    }

    [GeneratedRegex(@"\$?\.Values\.([A-Za-z0-9_.]+)")]
    private static partial Regex ValuesReference();

    [GeneratedRegex(@"\$pool\.([A-Za-z0-9_]+)")]
    private static partial Regex PoolReference();

    [GeneratedRegex(@"define ""([^""]+)""")]
    private static partial Regex DefineName();

    [GeneratedRegex(@"include ""([^""]+)""")]
    private static partial Regex IncludeName();

    [GeneratedRegex(@"\{\{-?\s*(if|range|with|define)\b")]
    private static partial Regex Opening();

    [GeneratedRegex(@"\{\{-?\s*end\s*-?\}\}")]
    private static partial Regex Closing();
}
