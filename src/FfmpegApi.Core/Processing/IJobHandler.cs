using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// The work of one job kind: given the run, the spec and the resolved input and output, it produces files in the
/// workspace and says how they become the job's output. The runner around it claims, monitors, publishes and records
/// the outcome; a handler throws <see cref="JobFailure"/> for a failure and lets cancellation surface as
/// <see cref="OperationCanceledException"/>. Implement it through <see cref="JobHandler{TSpec}"/>.
/// </summary>
internal interface IJobHandler
{
    /// <summary>The <see cref="JobSpec"/> record this handler runs (one handler per kind).</summary>
    Type Kind { get; }

    Task<JobProduct> RunAsync(JobRun run, JobSpec spec, ResolvedPath input, ResolvedPath output, CancellationToken cancellationToken);
}

/// <summary>A handler of one kind of spec.</summary>
internal abstract class JobHandler<TSpec> : IJobHandler
    where TSpec : JobSpec
{
    public Type Kind => typeof(TSpec);

    public abstract Task<JobProduct> RunAsync(JobRun run, TSpec spec, ResolvedPath input, ResolvedPath output, CancellationToken cancellationToken);

    Task<JobProduct> IJobHandler.RunAsync(JobRun run, JobSpec spec, ResolvedPath input, ResolvedPath output, CancellationToken cancellationToken) =>
        RunAsync(run, (TSpec)spec, input, output, cancellationToken);
}

/// <summary>What a handler made in the workspace, and how it is published (after the lease is confirmed).</summary>
internal abstract class JobProduct
{
    /// <summary>Moves or uploads the product to its destination; returns the output's metadata and the kind's result.</summary>
    public abstract Task<PublishedOutput> PublishAsync(OutputPublisher publisher, CancellationToken cancellationToken);
}

/// <summary>A published output: the first output's metadata and the kind's result document (stored as JSON), if any.</summary>
internal sealed record PublishedOutput(OutputMetadata Metadata, string? ResultJson)
{
    /// <summary>Every published byte (all outputs of a job with several; a package's or set's files are in its size already).</summary>
    public long? TotalBytes { get; init; }

    public long BytesOut => TotalBytes ?? Metadata.SizeBytes;
}
