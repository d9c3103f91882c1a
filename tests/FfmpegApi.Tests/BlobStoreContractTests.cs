using System.Security.Cryptography;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// The one contract every storage backend passes: round trips byte for byte (single PUT and multipart), stat, list
/// by prefix in key order, overwrite, delete, missing objects, a failed upload leaves nothing, presigned reads.
/// </summary>
public abstract class BlobStoreContract : IAsyncLifetime
{
    protected const string Container = "media";

    protected IBlobStore Store { get; private set; } = null!;

    protected abstract Task<IBlobStore> CreateAsync();

    public virtual async ValueTask InitializeAsync() => Store = await CreateAsync();

    public async ValueTask DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        await CleanUpAsync();
        GC.SuppressFinalize(this);
    }

    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_small_object_round_trips_and_is_described()
    {
        var bytes = RandomNumberGenerator.GetBytes(1000);
        var uploaded = await Store.UploadAsync(Container, "dir/small.bin", new MemoryStream(bytes), "application/octet-stream", CancellationToken.None);
        uploaded.Size.ShouldBe(1000);

        var info = (await Store.StatAsync(Container, "dir/small.bin", CancellationToken.None)).ShouldNotBeNull();
        info.Size.ShouldBe(1000);
        info.ETag.ShouldNotBeNullOrEmpty();
        (await ReadAllAsync("dir/small.bin")).ShouldBe(bytes);
    }

    [Fact]
    public async Task A_large_object_goes_in_parts_and_comes_back_identical()
    {
        // Three parts of 8 MiB and a tail, written from a stream that is never whole in memory on our side.
        var length = (2 * S3BlobStore.PartSize) + 123_457;
        var source = new PatternStream(length);
        var uploaded = await Store.UploadAsync(Container, "big/part.bin", source, null, CancellationToken.None);
        uploaded.Size.ShouldBe(length);

        await using var read = await Store.OpenReadAsync(Container, "big/part.bin", CancellationToken.None);
        (await SHA256.HashDataAsync(read)).ShouldBe(await SHA256.HashDataAsync(new PatternStream(length)));
        (await Store.StatAsync(Container, "big/part.bin", CancellationToken.None))!.Size.ShouldBe(length);
    }

    [Fact]
    public async Task Listing_by_prefix_is_in_key_order_and_overwrite_and_delete_work()
    {
        foreach (var key in new[] { "list/b.txt", "list/a.txt", "list/sub/c.txt", "listing-not/x.txt" })
        {
            await Store.UploadAsync(Container, key, new MemoryStream("v1"u8.ToArray()), "text/plain", CancellationToken.None);
        }

        var listed = new List<BlobInfo>();
        await foreach (var item in Store.ListAsync(Container, "list/", CancellationToken.None))
        {
            listed.Add(item);
        }

        listed.Select(i => i.Key).ShouldBe(["list/a.txt", "list/b.txt", "list/sub/c.txt"]);
        listed.ShouldAllBe(i => i.Size == 2);

        await Store.UploadAsync(Container, "list/a.txt", new MemoryStream("version two"u8.ToArray()), "text/plain", CancellationToken.None);
        (await ReadAllAsync("list/a.txt")).ShouldBe("version two"u8.ToArray());

        await Store.DeleteAsync(Container, "list/b.txt", CancellationToken.None);
        (await Store.StatAsync(Container, "list/b.txt", CancellationToken.None)).ShouldBeNull();
        await Store.DeleteAsync(Container, "list/b.txt", CancellationToken.None); // already gone: no error
    }

    [Fact]
    public async Task A_missing_object_is_null_to_stat_and_not_found_to_read()
    {
        (await Store.StatAsync(Container, "nothing/here.bin", CancellationToken.None)).ShouldBeNull();
        await Should.ThrowAsync<BlobNotFoundException>(() => Store.OpenReadAsync(Container, "nothing/here.bin", CancellationToken.None));
    }

    [Fact]
    public async Task An_upload_that_fails_midway_leaves_nothing_behind()
    {
        await Should.ThrowAsync<IOException>(() => Store.UploadAsync(Container, "broken/big.bin", new PatternStream(3 * S3BlobStore.PartSize, failAfter: S3BlobStore.PartSize + 100), null, CancellationToken.None));
        await Should.ThrowAsync<IOException>(() => Store.UploadAsync(Container, "broken/small.bin", new PatternStream(5000, failAfter: 100), null, CancellationToken.None));

        (await Store.StatAsync(Container, "broken/big.bin", CancellationToken.None)).ShouldBeNull();
        (await Store.StatAsync(Container, "broken/small.bin", CancellationToken.None)).ShouldBeNull();
        await foreach (var item in Store.ListAsync(Container, "broken/", CancellationToken.None))
        {
            item.Key.ShouldBeNull("nothing may be listed");
        }
    }

    protected async Task<byte[]> ReadAllAsync(string key)
    {
        await using var stream = await Store.OpenReadAsync(Container, key, CancellationToken.None);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    /// <summary>A deterministic byte stream of a given length, generated as it is read; optionally failing partway.</summary>
    protected sealed class PatternStream(long length, long failAfter = -1) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (failAfter >= 0 && _position >= failAfter)
            {
                throw new IOException("the source failed");
            }

            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = (byte)((_position + i) * 31 % 251);
            }

            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

public sealed class LocalBlobStoreContractTests : BlobStoreContract
{
    private readonly string _root = Directory.CreateTempSubdirectory("fa-blobs-").FullName;

    protected override Task<IBlobStore> CreateAsync() => Task.FromResult<IBlobStore>(new LocalBlobStore(_root));

    protected override Task CleanUpAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Keys_cannot_leave_the_root_and_there_is_no_presigning()
    {
        await Should.ThrowAsync<ArgumentException>(() => Store.StatAsync(Container, "../../etc/passwd", CancellationToken.None));
        await Should.ThrowAsync<ArgumentException>(() => Store.StatAsync("..", "passwd", CancellationToken.None));
        (await Store.PresignReadAsync(Container, "x", TimeSpan.FromMinutes(1), CancellationToken.None)).ShouldBeNull();
    }
}

/// <summary>One emulator for a whole test class (the contract's tests use distinct keys).</summary>
public sealed class EmulatorFixture<T> : IAsyncLifetime
    where T : StorageEmulator
{
    public T? Emulator { get; private set; }

    public async ValueTask InitializeAsync() =>
        Emulator = typeof(T) == typeof(S3Emulator) ? await S3Emulator.StartAsync() as T : await AzureEmulator.StartAsync() as T;

    public async ValueTask DisposeAsync()
    {
        if (Emulator is not null)
        {
            await Emulator.DisposeAsync();
        }
    }
}

public sealed class S3BlobStoreContractTests(EmulatorFixture<S3Emulator> fixture) : BlobStoreContract, IClassFixture<EmulatorFixture<S3Emulator>>
{
    protected override Task<IBlobStore> CreateAsync()
    {
        Assert.SkipWhen(fixture.Emulator is null, "s3rver is not installed (scripts/install-deps.sh --test installs it)");
        return Task.FromResult<IBlobStore>(new S3BlobStore(fixture.Emulator!.Profile, TimeProvider.System));
    }

    [Fact]
    public async Task A_presigned_url_reads_the_object_without_credentials()
    {
        var bytes = RandomNumberGenerator.GetBytes(4096);
        await Store.UploadAsync(Container, "shared/clip.bin", new MemoryStream(bytes), null, CancellationToken.None);

        var url = (await Store.PresignReadAsync(Container, "shared/clip.bin", TimeSpan.FromMinutes(5), CancellationToken.None)).ShouldNotBeNull();
        url.Host.ShouldBe("127.0.0.1");
        url.Query.ShouldContain("Signature");
        using var http = new HttpClient();
        (await http.GetByteArrayAsync(url)).ShouldBe(bytes);
    }

    [Fact]
    public void Addresses_parse_and_route_to_their_profile()
    {
        BlobAddress.TryParse("s3://media/in/clip.mp4", out var address, out _).ShouldBeTrue();
        address!.ToString().ShouldBe("s3://media/in/clip.mp4");
        foreach (var bad in new[] { "s3://media/", "s3:///key", "s3://media/../x", "s3://me dia/x", "gcs://b/k", "s3://media/a//b", "s3://media/a\u0001b" })
        {
            BlobAddress.TryParse(bad, out _, out var error).ShouldBeFalse(bad);
            error.ShouldNotBeNullOrEmpty();
        }
    }
}

public sealed class AzureBlobStoreContractTests(EmulatorFixture<AzureEmulator> fixture) : BlobStoreContract, IClassFixture<EmulatorFixture<AzureEmulator>>
{
    protected override Task<IBlobStore> CreateAsync()
    {
        Assert.SkipWhen(fixture.Emulator is null, "Azurite is not installed (scripts/install-deps.sh --test installs it)");
        return Task.FromResult<IBlobStore>(new AzureBlobStore(fixture.Emulator!.Profile, TimeProvider.System));
    }

    [Fact]
    public async Task A_sas_url_reads_the_blob_without_credentials()
    {
        var bytes = RandomNumberGenerator.GetBytes(4096);
        await Store.UploadAsync(Container, "shared/clip.bin", new MemoryStream(bytes), null, CancellationToken.None);

        var url = (await Store.PresignReadAsync(Container, "shared/clip.bin", TimeSpan.FromMinutes(5), CancellationToken.None)).ShouldNotBeNull();
        url.Host.ShouldBe("127.0.0.1");
        url.Query.ShouldContain("sig=");
        using var http = new HttpClient();
        (await http.GetByteArrayAsync(url)).ShouldBe(bytes);
        BlobAddress.TryParse("az://media/a/b.mp4", out var address, out _).ShouldBeTrue();
        address!.ToString().ShouldBe("azure://media/a/b.mp4");
    }

    [Fact]
    public void An_account_name_without_a_key_authenticates_with_the_ambient_identity()
    {
        // No traffic: the client is only built. Entra ID tokens need TLS, which Azurite on loopback does not offer here.
        new AzureBlobStore(new StorageProfile { Type = "azure", AccessKey = "account", ClientId = "00000000-0000-0000-0000-000000000001" }, TimeProvider.System).UsesIdentity.ShouldBeTrue();
        new AzureBlobStore(new StorageProfile { Type = "azure", AccessKey = "account", SecretKey = Convert.ToBase64String(new byte[32]) }, TimeProvider.System).UsesIdentity.ShouldBeFalse();
        ((AzureBlobStore)Store).UsesIdentity.ShouldBeFalse();
    }
}
