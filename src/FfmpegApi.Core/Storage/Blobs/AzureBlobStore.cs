using System.Buffers;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using FfmpegApi.Core.Configuration;

namespace FfmpegApi.Core.Storage.Blobs;

/// <summary>
/// Azure Blob Storage (and Azurite) through Azure.Storage.Blobs. Uploads up to one block go in one PUT; larger ones
/// are staged as 8 MiB blocks (one in memory at a time) and appear only when the block list is committed; blocks of a
/// failed upload are never committed (the service discards them). Credentials: a connection string, the account key
/// (<c>AccessKey</c> = account name, <c>SecretKey</c> = key), or — with the account name only — the ambient Entra ID
/// identity (managed identity, workload identity, environment; <c>ClientId</c> picks a user-assigned identity).
/// Presigned reads are service SAS URLs with a key, user-delegation SAS URLs with an identity.
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    private readonly BlobServiceClient _service;
    private readonly TimeProvider _clock;

    public AzureBlobStore(StorageProfile profile, TimeProvider clock)
    {
        _clock = clock;
        var options = new BlobClientOptions { Retry = { MaxRetries = 4, NetworkTimeout = TimeSpan.FromSeconds(profile.TimeoutSeconds) } };
        if (!string.IsNullOrEmpty(profile.ConnectionString))
        {
            _service = new BlobServiceClient(profile.ConnectionString, options);
        }
        else
        {
            var endpoint = new Uri(profile.Endpoint ?? $"https://{profile.AccessKey}.blob.core.windows.net");
            _service = string.IsNullOrEmpty(profile.SecretKey)
                ? new BlobServiceClient(endpoint, AmbientCredential(profile.ClientId), options)
                : new BlobServiceClient(endpoint, new StorageSharedKeyCredential(profile.AccessKey, profile.SecretKey), options);
        }
    }

    /// <summary>True when the store authenticates with an Entra ID identity instead of a key.</summary>
    public bool UsesIdentity => !_service.CanGenerateAccountSasUri;

    /// <summary>The ambient identity: managed identity (user-assigned when <paramref name="clientId"/> is set), workload identity, environment.</summary>
    internal static Azure.Core.TokenCredential AmbientCredential(string? clientId) => new Azure.Identity.DefaultAzureCredential(new Azure.Identity.DefaultAzureCredentialOptions
    {
        ManagedIdentityClientId = string.IsNullOrEmpty(clientId) ? null : clientId,
        ExcludeInteractiveBrowserCredential = true,
        ExcludeVisualStudioCredential = true,
        ExcludeVisualStudioCodeCredential = true,
    });

    public string Scheme => "azure";

    public async Task<BlobInfo?> StatAsync(string container, string key, CancellationToken cancellationToken)
    {
        try
        {
            var properties = (await Blob(container, key).GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            return new BlobInfo(key, properties.ContentLength, properties.ETag.ToString("H"), properties.LastModified);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<Stream> OpenReadAsync(string container, string key, CancellationToken cancellationToken)
    {
        try
        {
            var download = (await Blob(container, key).DownloadStreamingAsync(cancellationToken: cancellationToken)).Value;
            var md5 = download.Details.ContentHash is { Length: 16 } hash ? hash : null;
            return new VerifyingReadStream(download.Content, $"azure://{container}/{key}", download.Details.ContentLength, md5);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new BlobNotFoundException($"azure://{container}/{key} does not exist.");
        }
    }

    public async Task<BlobInfo> UploadAsync(string container, string key, Stream content, string? contentType, CancellationToken cancellationToken)
    {
        var blob = _service.GetBlobContainerClient(container).GetBlockBlobClient(key);
        var headers = new BlobHttpHeaders { ContentType = contentType ?? "application/octet-stream" };
        var buffer = ArrayPool<byte>.Shared.Rent(S3BlobStore.PartSize);
        try
        {
            var filled = await content.ReadAtLeastAsync(buffer.AsMemory(0, S3BlobStore.PartSize), S3BlobStore.PartSize, throwOnEndOfStream: false, cancellationToken);
            if (filled < S3BlobStore.PartSize)
            {
                using var body = new MemoryStream(buffer, 0, filled, writable: false);
                headers.ContentHash = VerifyingReadStream.Md5(buffer.AsSpan(0, filled));
                var validation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 };
                var single = await blob.UploadAsync(body, new BlobUploadOptions { HttpHeaders = headers, TransferValidation = validation }, cancellationToken);
                return new BlobInfo(key, filled, single.Value.ETag.ToString("H"), single.Value.LastModified);
            }

            var blocks = new List<string>();
            long total = 0;
#pragma warning disable CA5351 // Content-MD5 of the whole blob, kept by the service and checked on every read.
            using var whole = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.MD5);
#pragma warning restore CA5351
            while (filled > 0)
            {
                // Block ids must be base64 and of equal length within a blob.
                var id = Convert.ToBase64String(BitConverter.GetBytes((long)blocks.Count));
                using (var body = new MemoryStream(buffer, 0, filled, writable: false))
                {
                    // The block's MD5 goes with it; the service refuses a block that does not match.
                    var check = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5, PrecalculatedChecksum = VerifyingReadStream.Md5(buffer.AsSpan(0, filled)) };
                    await blob.StageBlockAsync(id, body, new BlockBlobStageBlockOptions { TransferValidation = check }, cancellationToken);
                }

                blocks.Add(id);
                whole.AppendData(buffer.AsSpan(0, filled));
                total += filled;
                filled = await content.ReadAtLeastAsync(buffer.AsMemory(0, S3BlobStore.PartSize), S3BlobStore.PartSize, throwOnEndOfStream: false, cancellationToken);
            }

            headers.ContentHash = whole.GetHashAndReset();
            var committed = await blob.CommitBlockListAsync(blocks, new CommitBlockListOptions { HttpHeaders = headers }, cancellationToken);
            return new BlobInfo(key, total, committed.Value.ETag.ToString("H"), committed.Value.LastModified);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task DeleteAsync(string container, string key, CancellationToken cancellationToken) =>
        await Blob(container, key).DeleteIfExistsAsync(cancellationToken: cancellationToken);

    public async IAsyncEnumerable<BlobInfo> ListAsync(string container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var client = _service.GetBlobContainerClient(container);
        await foreach (var item in client.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            yield return new BlobInfo(item.Name, item.Properties.ContentLength ?? 0, item.Properties.ETag?.ToString("H"), item.Properties.LastModified);
        }
    }

    public async Task<Uri?> PresignReadAsync(string container, string key, TimeSpan validFor, CancellationToken cancellationToken)
    {
        var blob = Blob(container, key);
        var expires = _clock.GetUtcNow().Add(validFor);
        if (blob.CanGenerateSasUri)
        {
            return blob.GenerateSasUri(BlobSasPermissions.Read, expires);
        }

        // An identity signs with a user-delegation key (the identity needs "Storage Blob Delegator" or a data role).
        var starts = _clock.GetUtcNow().AddMinutes(-5);
        var delegation = (await _service.GetUserDelegationKeyAsync(starts, expires, cancellationToken)).Value;
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, expires) { BlobContainerName = container, BlobName = key, Resource = "b", StartsOn = starts };
        return new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(delegation, _service.AccountName) }.ToUri();
    }

    private BlobClient Blob(string container, string key) => _service.GetBlobContainerClient(container).GetBlobClient(key);
}
