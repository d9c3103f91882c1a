using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// Google Cloud Storage through its S3-interoperable XML API (HMAC keys, SigV4). No GCS emulator runs here, so the
/// contract runs the GCS profile's code path (endpoint, <c>auto</c> region, path style, <c>gs://</c>) against s3rver,
/// which speaks the same protocol; <see cref="GcsSigningTests"/> checks the request signing for the real endpoint.
/// </summary>
public sealed class GcsBlobStoreContractTests(EmulatorFixture<S3Emulator> fixture) : BlobStoreContract, IClassFixture<EmulatorFixture<S3Emulator>>
{
    protected override Task<IBlobStore> CreateAsync()
    {
        Assert.SkipWhen(fixture.Emulator is null, "s3rver is not installed (scripts/install-deps.sh --test installs it)");
        var s3 = fixture.Emulator!.Profile;
        var gcs = new StorageProfile { Type = "gcs", Endpoint = s3.Endpoint, AccessKey = s3.AccessKey, SecretKey = s3.SecretKey };
        var store = BlobStores.Create(gcs, TimeProvider.System);
        store.Scheme.ShouldBe("gs");
        return Task.FromResult(store);
    }

    [Fact]
    public async Task A_missing_object_is_named_by_its_gs_address()
    {
        var error = await Should.ThrowAsync<BlobNotFoundException>(() => Store.OpenReadAsync(Container, "nothing/here.mp4", CancellationToken.None));
        error.Message.ShouldContain("gs://media/nothing/here.mp4");
    }
}

public sealed class GcsSigningTests
{
    private const string AccessKey = "GOOG1EEXAMPLEHMACACCESSID";
    private const string Secret = "bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ";

    [Fact]
    public async Task A_presigned_url_for_the_real_endpoint_is_a_valid_sigv4_signature_with_the_hmac_key()
    {
        using var store = (S3BlobStore)BlobStores.Create(new StorageProfile { Type = "gcs", AccessKey = AccessKey, SecretKey = Secret }, TimeProvider.System);
        var url = (await store.PresignReadAsync("my.bucket", "in/clip 1.mp4", TimeSpan.FromMinutes(15), CancellationToken.None))!;

        url.Scheme.ShouldBe("https");
        url.Host.ShouldBe("storage.googleapis.com");
        url.AbsolutePath.ShouldBe("/my.bucket/in/clip%201.mp4", "path style: bucket names with dots stay valid");
        var query = url.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]), StringComparer.Ordinal);
        query["X-Amz-Algorithm"].ShouldBe("AWS4-HMAC-SHA256");
        var date = query["X-Amz-Date"];
        query["X-Amz-Credential"].ShouldBe($"{AccessKey}/{date[..8]}/auto/s3/aws4_request");
        query["X-Amz-SignedHeaders"].ShouldBe("host");
        int.Parse(query["X-Amz-Expires"], CultureInfo.InvariantCulture).ShouldBeInRange(899, 900);

        // Recompute the signature from the SigV4 rules, independently of the SDK.
        var canonicalQuery = string.Join('&', url.Query.TrimStart('?').Split('&').Where(p => !p.StartsWith("X-Amz-Signature=", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        var canonicalRequest = $"GET\n{url.AbsolutePath}\n{canonicalQuery}\nhost:{url.Host}\n\nhost\nUNSIGNED-PAYLOAD";
        var scope = $"{date[..8]}/auto/s3/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{date}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + Secret);
        foreach (var part in new[] { date[..8], "auto", "s3", "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        query["X-Amz-Signature"].ShouldBe(Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign))));
    }

    [Fact]
    public void Gs_addresses_route_to_gcs_profiles_and_a_gcs_profile_needs_an_hmac_key()
    {
        BlobAddress.TryParse("gs://media/a/b.mp4", out var address, out _).ShouldBeTrue();
        (address!.Scheme, address.ToString()).ShouldBe(("gs", "gs://media/a/b.mp4"));
        var options = Microsoft.Extensions.Options.Options.Create(new Core.Configuration.StorageOptions
        {
            Profiles = new(StringComparer.Ordinal)
            {
                ["aws"] = new StorageProfile { Type = "s3", Endpoint = "http://127.0.0.1:1", AccessKey = "a", SecretKey = "b" },
                ["google"] = new StorageProfile { Type = "gcs", AccessKey = AccessKey, SecretKey = Secret },
            },
        });
        using var stores = new BlobStores(options, TimeProvider.System);
        stores.TryResolve("gs://media/a/b.mp4", out _, out var store, out _).ShouldBeTrue();
        store!.Scheme.ShouldBe("gs");
        stores.TryResolve("s3://media/a/b.mp4", out _, out store, out _).ShouldBeTrue();
        store!.Scheme.ShouldBe("s3");

        var bad = ConfigurationErrors(new Dictionary<string, string?> { ["Storage:Profiles:g:Type"] = "gcs" });
        bad.ShouldContain("a 'gcs' profile needs AccessKey and SecretKey");
    }

    private static string ConfigurationErrors(Dictionary<string, string?> settings)
    {
        var app = AppHost.Build([], new Dictionary<string, string?>(settings) { ["Storage:DataDir"] = Path.GetTempPath() });
        try
        {
            _ = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Core.Configuration.StorageOptions>>().Value;
            return string.Empty;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            return ex.Message;
        }
        finally
        {
            (app as IDisposable)?.Dispose();
        }
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
