// make bench: measures the service against bare ffmpeg in the same run and writes bench/results/latest.md.
// Ratios, not absolute times: these machines are shared and noisy.
// `-- --queue` runs only the queue rows, `-- --scale` only the PostgreSQL multi-process rows, `-- --storage` only the
// upload and download rows, `-- --cache` only the cache rows, `-- --upscale` only the AI upscaling rows, `-- --overhead` only the
// per-job overhead and read path rows (#28), `-- --backup` only the queue-during-backup rows; they print them (nothing is written).
using FfmpegApi.Bench;

var quick = args.Contains("--quick");
var partial = new Dictionary<string, Func<bool, Task<List<string>>>>
{
    ["--queue"] = QueueBenchmarks.RunAsync,
    ["--backup"] = BackupQueueBenchmarks.RunAsync,
    ["--overhead"] = q => OverheadBenchmarks.RunAsync(q),
    ["--storage"] = StorageBenchmarks.RunAsync,
    ["--cache"] = CacheBenchmarks.RunAsync,
    ["--upscale"] = UpscaleBenchmarks.RunAsync,
    ["--scale"] = ScaleOutBenchmarks.RunAsync,
};
if (args.FirstOrDefault(a => a != "--quick" && !partial.ContainsKey(a)) is { } unknown)
{
    // An unknown flag would otherwise run everything and overwrite latest.md.
    await Console.Error.WriteLineAsync($"unknown option {unknown}; use --quick and at most one of {string.Join(", ", partial.Keys)}");
    return 2;
}

if (partial.FirstOrDefault(p => args.Contains(p.Key)).Value is { } only)
{
    foreach (var row in await only(quick))
    {
        Console.WriteLine(row);
    }

    return 0;
}

var results = await Benchmarks.RunAllAsync(quick);
var path = Path.Combine(Benchmarks.RepoRoot(), "bench", "results", "latest.md");
Directory.CreateDirectory(Path.GetDirectoryName(path)!);
await File.WriteAllTextAsync(path, results);
Console.WriteLine(results);
Console.WriteLine($"Wrote {path}");
return 0;
