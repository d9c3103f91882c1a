using System.Diagnostics.CodeAnalysis;

namespace FfmpegApi.Core.Storage.Blobs;

/// <summary>An object named by a job body: <c>s3://bucket/key</c>, <c>azure://container/blob</c> (or <c>az://</c>), <c>gs://bucket/object</c>.</summary>
public sealed record BlobAddress(string Scheme, string Container, string Key)
{
    /// <summary>The schemes an object-store address may use.</summary>
    public static readonly string[] Schemes = ["s3", "azure", "az", "gs"];

    public override string ToString() => $"{Scheme}://{Container}/{Key}";

    /// <summary>Whether <paramref name="text"/> names an object store at all (anything else is a storage path or a URL).</summary>
    public static bool LooksLikeOne(string? text) =>
        text is not null && Schemes.Any(s => text.StartsWith(s + "://", StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses <c>scheme://container/key</c>; false with a client-safe reason.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out BlobAddress? address, out string error)
    {
        address = null;
        error = string.Empty;
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd > 0 ? text[..schemeEnd].ToLowerInvariant() : string.Empty;
        var rest = schemeEnd > 0 ? text[(schemeEnd + 3)..] : string.Empty;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (Array.IndexOf(Schemes, scheme) < 0 || slash <= 0)
        {
            error = "Must look like s3://bucket/key, azure://container/blob (az:// too) or gs://bucket/object.";
            return false;
        }

        var (container, key) = (rest[..slash], rest[(slash + 1)..]);
        if (!IsSafeSegment(container) || !IsSafeKey(key))
        {
            error = "The bucket or key is malformed (empty, '.'/'..' segments, control characters or over 1024 characters).";
            return false;
        }

        address = new BlobAddress(scheme == "az" ? "azure" : scheme, container, key);
        return true;
    }

    /// <summary>A bucket/container name: 1–63 of [a-z0-9.-_], not '.' or '..'.</summary>
    public static bool IsSafeSegment(string name) =>
        name.Length is > 0 and <= 63 && name is not "." and not ".." && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_');

    /// <summary>A key: '/'-separated, no empty, '.' or '..' segment, no control characters, at most 1024 characters.</summary>
    public static bool IsSafeKey(string key) =>
        key.Length is > 0 and <= 1024 && !key.Any(char.IsControl) && key.Split('/').All(s => s.Length > 0 && s is not "." and not "..");
}
