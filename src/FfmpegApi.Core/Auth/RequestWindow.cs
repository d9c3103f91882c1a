namespace FfmpegApi.Core.Auth;

/// <summary>
/// Requests one key (or client address) made in one clock hour, summed over every API process: the hourly rate limit
/// on PostgreSQL is shared through this row, so N API processes do not allow N times the limit.
/// </summary>
public sealed class RequestWindow
{
    /// <summary><c>key:{id}</c> or <c>ip:{address}</c>.</summary>
    public required string Partition { get; set; }

    /// <summary>Hours since the Unix epoch (UTC): every process agrees on the window without talking.</summary>
    public long Hour { get; set; }

    public long Count { get; set; }
}
