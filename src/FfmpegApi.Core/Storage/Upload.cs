namespace FfmpegApi.Core.Storage;

/// <summary>
/// A file a client sent to the service (a simple multipart POST or a resumable tus upload), kept under
/// <c>{DataDir}/uploads/{id}</c> until it expires. Jobs name it as <c>upload://{id}</c>; only its tenant can.
/// </summary>
public sealed class Upload
{
    public const string Scheme = "upload://";

    public required string Id { get; init; }

    public required string TenantId { get; init; }

    public string? ApiKeyId { get; init; }

    /// <summary>The client's file name (sanitized; for display and the staged file's extension).</summary>
    public required string FileName { get; set; }

    /// <summary>The announced total size (tus <c>Upload-Length</c>), or the received size of a simple upload.</summary>
    public long Length { get; set; }

    /// <summary>Bytes received so far (tus <c>Upload-Offset</c>).</summary>
    public long Offset { get; set; }

    public bool Complete => Offset == Length;

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>When the file and this row are removed (incomplete uploads expire sooner).</summary>
    public DateTime ExpiresAt { get; set; }

    /// <summary>The input reference jobs use.</summary>
    public string Reference => Scheme + Id;

    /// <summary>The id in <c>upload://{id}</c>, or null when <paramref name="input"/> is not one.</summary>
    public static string? IdOf(string? input) =>
        input is not null && input.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && input.Length > Scheme.Length ? input[Scheme.Length..] : null;
}
