// make bench: measures the service against bare ffmpeg in the same run and writes bench/results/latest.md.
// Ratios, not absolute times: these machines are shared and noisy.
using FfmpegApi.Bench;

var quick = args.Contains("--quick");
var results = await Benchmarks.RunAllAsync(quick);
var path = Path.Combine(Benchmarks.RepoRoot(), "bench", "results", "latest.md");
Directory.CreateDirectory(Path.GetDirectoryName(path)!);
await File.WriteAllTextAsync(path, results);
Console.WriteLine(results);
Console.WriteLine($"Wrote {path}");
