using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Storage;

namespace FfmpegApi.Core.Processing.Kinds;

/// <summary>A set of files (an HLS/DASH package, thumbnails) published together; the metadata gets the set's total size.</summary>
internal sealed class FileSetProduct(string directory, ResolvedPath output, OutputMetadata metadata, string resultJson) : JobProduct
{
    public override async Task<PublishedOutput> PublishAsync(OutputPublisher publisher, CancellationToken cancellationToken)
    {
        var size = await publisher.PublishSetAsync(directory, output, cancellationToken);
        return new PublishedOutput(metadata with { SizeBytes = size }, resultJson);
    }
}

/// <summary>One media file published like a conversion's output (read back by ffprobe), its metadata adjusted.</summary>
internal sealed class MediaFileProduct(string file, ResolvedPath output, Func<OutputMetadata, OutputMetadata> adjust, string? resultJson) : JobProduct
{
    public override async Task<PublishedOutput> PublishAsync(OutputPublisher publisher, CancellationToken cancellationToken) =>
        new(adjust(await publisher.PublishAsync(file, output, cancellationToken)), resultJson);
}

/// <summary>A non-media file (a JSON report): moved or uploaded, no read-back.</summary>
internal sealed class ReportProduct(string file, ResolvedPath output, string resultJson) : JobProduct
{
    public override async Task<PublishedOutput> PublishAsync(OutputPublisher publisher, CancellationToken cancellationToken) =>
        new(await publisher.PublishReportAsync(file, output, cancellationToken), resultJson);
}
