using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using FfmpegApi.Core.Configuration;

namespace FfmpegApi.Core.Storage.Blobs;

/// <summary>
/// Amazon S3 and S3-compatible stores (MinIO, Ceph, R2, s3rver) through AWSSDK.S3. Uploads up to one part go in one
/// PUT; larger ones as a multipart upload holding one part in memory at a time, completed only when every part is in
/// (so the object appears whole or not at all) and aborted on any failure. Payload signing is done without the SDK's
/// chunked framing, which some compatible servers store as content.
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    /// <summary>8 MiB parts: above S3's 5 MiB minimum, 10,000 parts reach 80 GiB.</summary>
    public const int PartSize = 8 * 1024 * 1024;

    /// <summary>
    /// Object metadata holding the MD5 of objects this service wrote in one PUT; reads verify against it. (An ETag is
    /// not a reliable MD5: multipart and KMS-encrypted objects have others. Multipart objects are checked by length.)
    /// </summary>
    private const string Md5Metadata = "x-amz-meta-content-md5";

    private readonly AmazonS3Client _client;
    private readonly bool _plainHttp;
    private readonly TimeProvider _clock;

    public S3BlobStore(StorageProfile profile, TimeProvider clock, string scheme = "s3")
    {
        _clock = clock;
        Scheme = scheme;
        var config = new AmazonS3Config
        {
            ForcePathStyle = profile.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = TimeSpan.FromSeconds(profile.TimeoutSeconds),
            MaxErrorRetry = 4,
        };
        if (!string.IsNullOrEmpty(profile.Endpoint))
        {
            config.ServiceURL = profile.Endpoint;
            config.AuthenticationRegion = profile.Region;
            _plainHttp = profile.Endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(profile.Region);
        }

        _client = string.IsNullOrEmpty(profile.AccessKey)
            ? new AmazonS3Client(config) // ambient identity: environment, profile file, instance/task role
            : new AmazonS3Client(new BasicAWSCredentials(profile.AccessKey, profile.SecretKey), config);
    }

    public string Scheme { get; }

    public async Task<BlobInfo?> StatAsync(string container, string key, CancellationToken cancellationToken)
    {
        try
        {
            var head = await _client.GetObjectMetadataAsync(container, key, cancellationToken);
            return new BlobInfo(key, head.ContentLength, head.ETag, head.LastModified is { } at ? new DateTimeOffset(at.ToUniversalTime(), TimeSpan.Zero) : null);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<Stream> OpenReadAsync(string container, string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.GetObjectAsync(container, key, cancellationToken);
            var md5 = response.Metadata[Md5Metadata] is { Length: 32 } hex ? Convert.FromHexString(hex) : null;
            return new VerifyingReadStream(response.ResponseStream, $"{Scheme}://{container}/{key}", response.ContentLength, md5) { Owner = response };
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new BlobNotFoundException($"{Scheme}://{container}/{key} does not exist.");
        }
    }

    public async Task<BlobInfo> UploadAsync(string container, string key, Stream content, string? contentType, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(PartSize);
        try
        {
            var first = await content.ReadAtLeastAsync(buffer.AsMemory(0, PartSize), PartSize, throwOnEndOfStream: false, cancellationToken);
            if (first < PartSize)
            {
                using var body = new MemoryStream(buffer, 0, first, writable: false);
                var md5 = VerifyingReadStream.Md5(buffer.AsSpan(0, first));
                var put = new PutObjectRequest { BucketName = container, Key = key, InputStream = body, ContentType = contentType, UseChunkEncoding = false, AutoCloseStream = false, MD5Digest = Convert.ToBase64String(md5) };
                put.Metadata[Md5Metadata] = Convert.ToHexStringLower(md5);
                var done = await _client.PutObjectAsync(put, cancellationToken);
                return new BlobInfo(key, first, done.ETag, null);
            }

            return await MultipartAsync(container, key, content, contentType, buffer, first, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task DeleteAsync(string container, string key, CancellationToken cancellationToken) =>
        await _client.DeleteObjectAsync(container, key, cancellationToken);

    public async IAsyncEnumerable<BlobInfo> ListAsync(string container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = container, Prefix = prefix };
        do
        {
            var page = await _client.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                yield return new BlobInfo(item.Key, item.Size ?? 0, item.ETag, item.LastModified is { } at ? new DateTimeOffset(at.ToUniversalTime(), TimeSpan.Zero) : null);
            }

            request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);
    }

    public async Task<Uri?> PresignReadAsync(string container, string key, TimeSpan validFor, CancellationToken cancellationToken)
    {
        var url = await _client.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = container,
            Key = key,
            Verb = HttpVerb.GET,
            Expires = _clock.GetUtcNow().UtcDateTime.Add(validFor),
            Protocol = _plainHttp ? Protocol.HTTP : Protocol.HTTPS,
        });
        return new Uri(url);
    }

    public void Dispose() => _client.Dispose();

    private async Task<BlobInfo> MultipartAsync(string container, string key, Stream content, string? contentType, byte[] buffer, int filled, CancellationToken cancellationToken)
    {
        var started = await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = container, Key = key, ContentType = contentType }, cancellationToken);
        var parts = new List<PartETag>();
        long total = 0;
        try
        {
            while (filled > 0)
            {
                using var body = new MemoryStream(buffer, 0, filled, writable: false);
                var part = await _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = container,
                    Key = key,
                    UploadId = started.UploadId,
                    PartNumber = parts.Count + 1,
                    PartSize = filled,
                    InputStream = body,
                    UseChunkEncoding = false,
                    MD5Digest = Convert.ToBase64String(VerifyingReadStream.Md5(buffer.AsSpan(0, filled))),
                }, cancellationToken);
                parts.Add(new PartETag(parts.Count + 1, part.ETag));
                total += filled;
                filled = await content.ReadAtLeastAsync(buffer.AsMemory(0, PartSize), PartSize, throwOnEndOfStream: false, cancellationToken);
            }

            var done = await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = container, Key = key, UploadId = started.UploadId, PartETags = parts }, cancellationToken);
            return new BlobInfo(key, total, done.ETag, null);
        }
        catch
        {
            // The object never appears (it only does at Complete); aborting also stops the parts costing storage.
            // Best effort: the failure to report is the one that got us here (a bucket lifecycle rule cleans up the rest).
            try
            {
                await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = container, Key = key, UploadId = started.UploadId }, CancellationToken.None);
            }
            catch (AmazonServiceException)
            {
            }

            throw;
        }
    }
}
