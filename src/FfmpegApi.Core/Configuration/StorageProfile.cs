using System.ComponentModel.DataAnnotations;

namespace FfmpegApi.Core.Configuration;

/// <summary>
/// How to reach one object store: <c>Storage:Profiles:NAME:*</c>. Job bodies never carry credentials; an address
/// <c>s3://bucket/key</c> is served by the profile whose <see cref="Buckets"/> lists the bucket, else by the profile of
/// that type that lists none (the default). Secrets come from configuration (environment variables, a mounted file),
/// never from logs.
/// </summary>
public sealed class StorageProfile
{
    /// <summary>
    /// <c>s3</c> (AWS S3 or S3-compatible: MinIO, Ceph, R2, …), <c>azure</c> (Azure Blob Storage, Azurite) or <c>gcs</c>
    /// (Google Cloud Storage through its S3-interoperable XML API, with HMAC keys).
    /// </summary>
    [RegularExpression("^(?i:s3|azure|gcs)$", ErrorMessage = "Storage:Profiles:*:Type must be 's3', 'azure' or 'gcs'.")]
    public string Type { get; set; } = "s3";

    /// <summary>The address scheme this profile serves (<c>s3</c>, <c>azure</c>, <c>gs</c>).</summary>
    public string Scheme => Type.ToLowerInvariant() switch
    {
        "azure" => "azure",
        "gcs" => "gs",
        _ => "s3",
    };

    /// <summary>This profile with other keys (inline credentials): same type, endpoint, region and addressing.</summary>
    public StorageProfile WithKeys(string accessKey, string secretKey) => new()
    {
        Type = Type,
        Endpoint = Endpoint,
        Region = Region,
        AccessKey = accessKey,
        SecretKey = secretKey,
        ForcePathStyle = ForcePathStyle,
        Buckets = Buckets,
        TimeoutSeconds = TimeoutSeconds,
        Presign = Presign,
    };

    /// <summary>
    /// GCS through the XML API: the endpoint defaults to <c>https://storage.googleapis.com</c>, the signing region to
    /// <c>auto</c>, path-style addressing (bucket names with dots); HMAC keys are required (no ambient identity here).
    /// </summary>
    public StorageProfile ForGcs() => new()
    {
        Type = Type,
        Endpoint = string.IsNullOrEmpty(Endpoint) ? "https://storage.googleapis.com" : Endpoint,
        Region = Region == "us-east-1" ? "auto" : Region,
        AccessKey = AccessKey,
        SecretKey = SecretKey,
        ForcePathStyle = true,
        Buckets = Buckets,
        TimeoutSeconds = TimeoutSeconds,
        Presign = Presign,
    };

    /// <summary>Empty for AWS (by <see cref="Region"/>); the service URL for compatible stores, e.g. <c>http://minio:9000</c>.</summary>
    public string? Endpoint { get; set; }

    public string Region { get; set; } = "us-east-1";

    /// <summary>S3: the access key id; empty for the ambient identity (environment, instance or task role). Azure: the account name.</summary>
    public string? AccessKey { get; set; }

    /// <summary>S3: the secret access key. Azure: the account key.</summary>
    public string? SecretKey { get; set; }

    /// <summary>Azure without a key: the client id of a user-assigned managed identity (empty: the system-assigned one, or whatever the ambient credential chain finds).</summary>
    public string? ClientId { get; set; }

    /// <summary>Azure: a storage connection string (instead of Endpoint/AccessKey/SecretKey).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Path-style addressing (<c>endpoint/bucket/key</c>), which most compatible stores need.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>The buckets this profile serves; empty: every bucket no other profile lists.</summary>
    public List<string> Buckets { get; set; } = [];

    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 300;

    /// <summary>
    /// False: never hand out presigned URLs for this store — downloads stream through the API and
    /// <c>input_access: stream</c> stages instead (for stores clients must not reach directly).
    /// </summary>
    public bool Presign { get; set; } = true;
}
