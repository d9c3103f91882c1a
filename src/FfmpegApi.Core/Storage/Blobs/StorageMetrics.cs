using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FfmpegApi.Core.Storage.Blobs;

/// <summary>
/// Storage traffic by backend (<c>s3</c>, <c>azure</c>, <c>gs</c>, <c>local</c>): operations and their duration, bytes
/// read and written, and errors (a missing object is an outcome, not an error).
/// </summary>
public sealed class StorageMetrics
{
    public const string MeterName = "FfmpegApi.Storage";

    public StorageMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        Operations = meter.CreateCounter<long>("ffmpegapi.storage.operations", description: "Storage operations by backend, operation and outcome (ok, not_found, error)");
        Bytes = meter.CreateCounter<long>("ffmpegapi.storage.bytes", unit: "By", description: "Bytes read from and written to storage, by backend and direction");
        Errors = meter.CreateCounter<long>("ffmpegapi.storage.errors", description: "Failed storage operations by backend and operation");
        // The local backend always exists (outputs are published to it).
        StartSeries("local", "write");
        Duration = meter.CreateHistogram("ffmpegapi.storage.duration", unit: "s", description: "Storage operation time by backend and operation (reads: until the stream is open)", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });
    }

    public Counter<long> Operations { get; }

    public Counter<long> Bytes { get; }

    public Counter<long> Errors { get; }

    public Histogram<double> Duration { get; }

    /// <summary>Records one operation that took <paramref name="elapsed"/>.</summary>
    public void Record(string backend, string operation, string outcome, TimeSpan elapsed)
    {
        var tags = new TagList { { "backend", backend }, { "operation", operation } };
        Duration.Record(elapsed.TotalSeconds, tags);
        tags.Add("outcome", outcome);
        Operations.Add(1, tags);
        if (outcome == "error")
        {
            Errors.Add(1, new TagList { { "backend", backend }, { "operation", operation } });
        }
    }

    /// <summary>Starts a backend's error series at 0, so an alert's rate() over it reads 0, not "no data".</summary>
    public void StartSeries(string backend, params string[] operations)
    {
        foreach (var operation in operations)
        {
            Errors.Add(0, new TagList { { "backend", backend }, { "operation", operation } });
        }
    }

    public void Transferred(string backend, string direction, long bytes)
    {
        if (bytes > 0)
        {
            Bytes.Add(bytes, new TagList { { "backend", backend }, { "direction", direction } });
        }
    }
}
