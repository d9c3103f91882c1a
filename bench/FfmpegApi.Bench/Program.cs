// make bench: measures the service against bare ffmpeg in the same run and writes bench/results/latest.md.
// Ratios, not absolute times: these machines are shared and noisy.
// `-- --queue` runs only the queue rows, `-- --scale` only the PostgreSQL multi-process rows, `-- --storage` only the
// upload and download rows, `-- --cache` only the cache rows, `-- --upscale` only the AI upscaling rows, `-- --overhead` only the
// per-job overhead and read path rows (#28), `-- --backup` only the queue-during-backup rows; they print them (nothing is written).
using FfmpegApi.Bench;

var quick = args.Contains("--quick");
if (args.Contains("--queue"))
{
    foreach (var row in await QueueBenchmarks.RunAsync(quick))
    {
        Console.WriteLine(row);
    }

    return;
}

if (args.Contains("--backup"))
{
    foreach (var row in await BackupQueueBenchmarks.RunAsync(quick))
    {
        Console.WriteLine(row);
    }

    return;
}

if (args.Contains("--overhead"))
{
    foreach (var row in await OverheadBenchmarks.RunAsync(quick))
    {
        Console.WriteLine(row);
    }

    return;
}

if (args.Contains("--storage"))
{
    foreach (var row in await StorageBenchmarks.RunAsync(quick))
    {
        Console.WriteLine(row);
    }

    return;
}

if (args.Contains("--cache"))
{
    foreach (var row in await CacheBenchmarks.RunAsync(quick))
    {
        Console.WriteLine(row);
    }

    return;
}

if (args.Contains("--upscale"))
{
    foreach (var row in await UpscaleBenchmarks.RunAsync(quick))
    {
        Console.WriteLine(row);
    }

    return;
}

if (args.Contains("--scale"))
{
    foreach (var row in await ScaleOutBenchmarks.RunAsync(quick))
    {
        Console.WriteLine(row);
    }

    return;
}

var results = await Benchmarks.RunAllAsync(quick);
var path = Path.Combine(Benchmarks.RepoRoot(), "bench", "results", "latest.md");
Directory.CreateDirectory(Path.GetDirectoryName(path)!);
await File.WriteAllTextAsync(path, results);
Console.WriteLine(results);
Console.WriteLine($"Wrote {path}");
