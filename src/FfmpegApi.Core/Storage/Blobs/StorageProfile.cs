using System.ComponentModel.DataAnnotations;

namespace FfmpegApi.Core.Storage.Blobs;

/// <summary>
/// How to reach one object store: <c>Storage:Profiles:NAME:*</c>. Job bodies never carry credentials; an address
/// <c>s3://bucket/key</c> is served by the profile whose <see cref="Buckets"/> lists the bucket, else by the profile of
/// that type that lists none (the default). Secrets come from configuration (environment variables, a mounted file),
/// never from logs.
/// </summary>
public sealed class StorageProfile
{
    /// <summary><c>s3</c> (AWS S3 or S3-compatible: MinIO, Ceph, R2, …) or <c>azure</c> (Azure Blob Storage, Azurite).</summary>
    [RegularExpression("^(?i:s3|azure)$", ErrorMessage = "Storage:Profiles:*:Type must be 's3' or 'azure'.")]
    public string Type { get; set; } = "s3";

    /// <summary>Empty for AWS (by <see cref="Region"/>); the service URL for compatible stores, e.g. <c>http://minio:9000</c>.</summary>
    public string? Endpoint { get; set; }

    public string Region { get; set; } = "us-east-1";

    /// <summary>S3: the access key id; empty for the ambient identity (environment, instance or task role). Azure: the account name.</summary>
    public string? AccessKey { get; set; }

    /// <summary>S3: the secret access key. Azure: the account key.</summary>
    public string? SecretKey { get; set; }

    /// <summary>Azure: a storage connection string (instead of Endpoint/AccessKey/SecretKey).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Path-style addressing (<c>endpoint/bucket/key</c>), which most compatible stores need.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>The buckets this profile serves; empty: every bucket no other profile lists.</summary>
    public List<string> Buckets { get; set; } = [];

    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 300;
}
