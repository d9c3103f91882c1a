using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using FfmpegApi.Media.Specs;
using FfmpegApi.Media.Thumbnails;

namespace FfmpegApi.Endpoints.Requests.Operations;

/// <summary>
/// The original API's <c>thumbnail</c> operation in <c>/convert</c>: as the only operation it makes the job a thumbnails
/// job writing one image to <c>output</c> (a file such as <c>/storage/thumb.jpg</c>, or a new directory).
/// </summary>
public sealed record Thumbnail : Operation
{
    [Description("Where in the video (default 10 % in).")]
    public WireTime? Timestamp { get; init; }

    [Range(16, 3840)]
    public int? Width { get; init; }

    [Description("With width, exactly that box; alone, the width follows the aspect.")]
    [Range(16, 2160)]
    public int? Height { get; init; }

    public ThumbnailQuality? Quality { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) => ThumbnailJobs.NotAlone(scope);
}

/// <summary>
/// The original API's <c>thumbnail_grid</c> operation in <c>/convert</c>: as the only operation it makes the job a
/// thumbnails job of <c>rows</c>×<c>cols</c> images evenly spaced over the video, tiled into one sheet with a WebVTT
/// storyboard, in the <c>output</c> directory.
/// </summary>
public sealed record ThumbnailGrid : Operation
{
    [Description("Default 5.")]
    [Range(1, 20)]
    public int? Rows { get; init; }

    [Description("Default 5.")]
    [Range(1, 20)]
    public int? Cols { get; init; }

    [Description("Each tile's width.")]
    [Range(16, 3840)]
    public int? Width { get; init; }

    [Range(16, 2160)]
    public int? Height { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope) => ThumbnailJobs.NotAlone(scope);
}
