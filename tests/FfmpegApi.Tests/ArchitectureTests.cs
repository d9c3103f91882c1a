using System.Reflection;
using FfmpegApi.Core.Processing;
using NetArchTest.Rules;

namespace FfmpegApi.Tests;

/// <summary>
/// The shape the code keeps (issue #27): which Core namespaces may use which, how many collaborators a job kind's
/// handler has, and how long a type may grow counting all its partial files. Dependencies are read from the compiled
/// assembly (method bodies included) by NetArchTest.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly Core = typeof(FfmpegApi.Core.ServiceCollectionExtensions).Assembly;

    /// <summary>Core's areas: the second part of every namespace under <c>FfmpegApi.Core</c> (a new one is covered at once).</summary>
    private static readonly string[] Areas = Core.GetTypes()
        .Select(t => t.Namespace?.Split('.') ?? [])
        .Where(parts => parts.Length >= 3 && parts[0] == "FfmpegApi" && parts[1] == "Core")
        .Select(parts => parts[2]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    private static readonly Lazy<Dictionary<string, SortedSet<string>>> Graph = new(() =>
    {
        var types = Types.InAssembly(Core);
        var graph = Areas.ToDictionary(a => a, _ => new SortedSet<string>(StringComparer.Ordinal));
        foreach (var from in Areas)
        {
            foreach (var to in Areas.Where(t => t != from))
            {
                if (!types.That().ResideInNamespace($"FfmpegApi.Core.{from}").ShouldNot().HaveDependencyOn($"FfmpegApi.Core.{to}").GetResult().IsSuccessful)
                {
                    graph[from].Add(to);
                }
            }
        }

        return graph;
    });

    [Fact]
    public void Job_descriptions_and_the_queue_depend_only_downward()
    {
        Graph.Value["Jobs"].ShouldBeEmpty("Jobs (specs' envelope, states, transitions, requirements) is the bottom layer");
        Graph.Value["Queue"].ShouldNotContain("Processing", "the queue applies its effects through IQueueEffects");
        Graph.Value["Queue"].ShouldNotContain("Upscaling");
        Graph.Value["Queue"].ShouldNotContain("Observability");
        Types.InAssembly(typeof(FfmpegApi.Media.Specs.JobSpec).Assembly).ShouldNot().HaveDependencyOnAny("FfmpegApi.Core", "Microsoft.EntityFrameworkCore", "Microsoft.AspNetCore")
            .GetResult().IsSuccessful.ShouldBeTrue("Media is pure");
    }

    [Fact]
    public void No_cycle_between_core_namespaces()
    {
        var graph = Graph.Value;
        Areas.Length.ShouldBeGreaterThan(10);
        var cycles = Areas.SelectMany(a => graph[a].Where(b => string.CompareOrdinal(a, b) < 0 && graph[b].Contains(a)).Select(b => $"{a}<->{b}")).ToList();
        cycles.ShouldBeEmpty("an import loop between Core namespaces");

        // Longer loops too: the graph is ordered (a topological sort consumes every area).
        var left = graph.ToDictionary(g => g.Key, g => new HashSet<string>(g.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        while (left.FirstOrDefault(g => g.Value.Count == 0).Key is { } leaf)
        {
            left.Remove(leaf);
            foreach (var edges in left.Values)
            {
                edges.Remove(leaf);
            }
        }

        left.Keys.ShouldBeEmpty("these namespaces import each other in a loop");
    }

    [Fact]
    public void The_database_names_no_area_core_needs_no_web_framework_and_asks_the_provider_nowhere()
    {
        // Each area's tables configure themselves (IEntityTypeConfiguration) and add their sets to the context.
        Graph.Value["Data"].ShouldBe(["Configuration", "Jobs"], ignoreOrder: true);
        var web = Core.GetReferencedAssemblies().Select(a => a.Name!)
            .Where(n => n.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal) && !n.StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal));
        web.ShouldBeEmpty("Core uses Data Protection only, not the ASP.NET shared framework");

        // The provider is chosen once, at registration (queue, cluster bus, backup engine): no branch asks again.
        Types.InAssembly(Core).ShouldNot().HaveDependencyOn("Microsoft.EntityFrameworkCore.NpgsqlDatabaseFacadeExtensions").GetResult()
            .FailingTypes?.Select(t => t.FullName).ShouldBeEmpty("a provider branch (IsNpgsql) in Core");
    }

    [Fact]
    public void Each_job_kind_has_a_handler_with_at_most_eight_dependencies()
    {
        var handlers = Core.GetTypes().Where(t => !t.IsAbstract && typeof(IJobHandler).IsAssignableFrom(t)).ToList();
        handlers.Count.ShouldBe(typeof(FfmpegApi.Media.Specs.JobSpec).GetCustomAttributes<System.Text.Json.Serialization.JsonDerivedTypeAttribute>().Count());
        foreach (var handler in handlers)
        {
            handler.GetConstructors().Single().GetParameters().Length.ShouldBeLessThanOrEqualTo(8, handler.Name);
        }

        typeof(JobRunner).GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance).Single().GetParameters()
            .ShouldNotContain(p => p.ParameterType.Namespace == "FfmpegApi.Core.Processing.Kinds", "the runner knows no kind");
    }

    /// <summary>Types over the limit today, each owned by an open issue (the list may only shrink).</summary>
    private static readonly Dictionary<string, string> OverLimit = new(StringComparer.Ordinal)
    {
        ["OutputMapper"] = "#26 typed requests",
        ["ConvertRequestMapper"] = "#26 typed requests",
        ["ClientCommands"] = "#26 generated clients",
    };

    [Fact]
    public void Types_stay_under_400_lines_counting_all_their_partial_files()
    {
        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
        var files = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains("Migrations", StringComparison.Ordinal));

        // Partial files are named Type.Part.cs: they count with Type.cs.
        var sizes = files.GroupBy(f => Path.GetFileName(f).Split('.')[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(f => File.ReadLines(f).Count()), StringComparer.Ordinal);
        sizes.Count.ShouldBeGreaterThan(100, root);
        var over = sizes.Where(s => s.Value > 400).Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        over.Except(OverLimit.Keys).ShouldBeEmpty(string.Join(", ", over.Select(o => $"{o}: {sizes[o]}")));
        OverLimit.Keys.Except(over).ShouldBeEmpty("a listed type is under the limit now: remove it from OverLimit");
        sizes["JobRunner"].ShouldBeLessThan(250, "the runner is a skeleton");
    }
}
