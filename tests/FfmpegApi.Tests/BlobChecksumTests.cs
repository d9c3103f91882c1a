using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// Transfers are verified: reads check the arrived length and, where the store keeps one, the content's MD5; an object
/// whose bytes no longer match its stored checksum (simulated by rewriting it behind the store's back) fails the read
/// at its end instead of becoming a job input.
/// </summary>
public sealed class BlobChecksumTests(EmulatorFixture<S3Emulator> s3, EmulatorFixture<AzureEmulator> azure) : IClassFixture<EmulatorFixture<S3Emulator>>, IClassFixture<EmulatorFixture<AzureEmulator>>
{
    [Fact]
    public async Task The_verifying_stream_accepts_a_whole_transfer_and_refuses_a_short_or_damaged_one()
    {
        var bytes = RandomNumberGenerator.GetBytes(100_000);
        var md5 = VerifyingReadStream.Md5(bytes);
        (await ReadAllAsync(new VerifyingReadStream(new MemoryStream(bytes), "s3://b/k", bytes.Length, md5))).ShouldBe(bytes.Length);

        var shortRead = await Should.ThrowAsync<BlobChecksumException>(() => ReadAllAsync(new VerifyingReadStream(new MemoryStream(bytes, 0, 99_000), "s3://b/k", bytes.Length, null)));
        shortRead.Message.ShouldContain("99000 of 100000 bytes arrived");

        var damaged = (byte[])bytes.Clone();
        damaged[5000] ^= 0xFF;
        var bad = await Should.ThrowAsync<BlobChecksumException>(() => ReadAllAsync(new VerifyingReadStream(new MemoryStream(damaged), "azure://c/k", bytes.Length, md5)));
        bad.Message.ShouldContain("MD5 does not match");
        bad.ShouldBeAssignableTo<IOException>("a staging failure of this kind is retried like any storage error");
    }

    [Fact]
    public async Task An_s3_object_rewritten_behind_the_stores_back_fails_its_read()
    {
        Assert.SkipWhen(s3.Emulator is null, "s3rver is not installed");
        var profile = s3.Emulator!.Profile;
        using var store = new S3BlobStore(profile, TimeProvider.System);
        var original = RandomNumberGenerator.GetBytes(64 * 1024);
        await store.UploadAsync("media", "sum/clip.bin", new MemoryStream(original), null, CancellationToken.None);
        (await ReadAllAsync(await store.OpenReadAsync("media", "sum/clip.bin", CancellationToken.None))).ShouldBe(original.Length);

        using var raw = new AmazonS3Client(new BasicAWSCredentials(profile.AccessKey, profile.SecretKey), new AmazonS3Config { ServiceURL = profile.Endpoint, ForcePathStyle = true });
        var head = await raw.GetObjectMetadataAsync("media", "sum/clip.bin", TestContext.Current.CancellationToken);
        var stored = head.Metadata["x-amz-meta-content-md5"];
        stored.ShouldBe(Convert.ToHexStringLower(VerifyingReadStream.Md5(original)), "the store records the MD5 it sent as Content-MD5");

        var other = RandomNumberGenerator.GetBytes(64 * 1024);
        var put = new PutObjectRequest { BucketName = "media", Key = "sum/clip.bin", InputStream = new MemoryStream(other), UseChunkEncoding = false };
        put.Metadata["x-amz-meta-content-md5"] = stored;
        await raw.PutObjectAsync(put, TestContext.Current.CancellationToken);
        await Should.ThrowAsync<BlobChecksumException>(async () => await ReadAllAsync(await store.OpenReadAsync("media", "sum/clip.bin", CancellationToken.None)));
    }

    [Fact]
    public async Task An_azure_blob_whose_content_md5_no_longer_matches_fails_its_read_and_multi_block_blobs_carry_one()
    {
        Assert.SkipWhen(azure.Emulator is null, "Azurite is not installed");
        var blobs = new AzureBlobStore(azure.Emulator!.Profile, TimeProvider.System);
        var big = RandomNumberGenerator.GetBytes((S3BlobStore.PartSize * 2) + 1000);
        await blobs.UploadAsync("media", "sum/big.bin", new MemoryStream(big), null, CancellationToken.None);

        var client = new BlobServiceClient(azure.Emulator.ConnectionString).GetBlobContainerClient("media").GetBlobClient("sum/big.bin");
        var properties = (await client.GetPropertiesAsync(cancellationToken: TestContext.Current.CancellationToken)).Value;
        properties.ContentHash.ShouldBe(VerifyingReadStream.Md5(big), "the whole blob's MD5 is set at commit");
        (await ReadAllAsync(await blobs.OpenReadAsync("media", "sum/big.bin", CancellationToken.None))).ShouldBe(big.Length);

        await client.SetHttpHeadersAsync(new BlobHttpHeaders { ContentHash = VerifyingReadStream.Md5(big.AsSpan(1)), ContentType = properties.ContentType }, cancellationToken: TestContext.Current.CancellationToken);
        await Should.ThrowAsync<BlobChecksumException>(async () => await ReadAllAsync(await blobs.OpenReadAsync("media", "sum/big.bin", CancellationToken.None)));
    }

    private static async Task<long> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                total += read;
            }

            return total;
        }
    }
}
