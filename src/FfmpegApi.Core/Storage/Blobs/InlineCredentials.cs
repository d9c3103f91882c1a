using System.Collections.Concurrent;
using System.Text.Json;
using FfmpegApi.Core.Configuration;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Storage.Blobs;

/// <summary>Keys a job body gave for one object (S3/GCS access key + secret; Azure account name + key).</summary>
public sealed record ObjectCredentials(string AccessKey, string SecretKey);

/// <summary>
/// The original API's inline <c>credentials</c>, accepted only when the operator sets
/// <c>Storage:AllowInlineCredentials</c>. They are sealed with ASP.NET Core Data Protection (the key ring lives in the
/// database, so every API and worker process can open them) before the job is stored, never logged or echoed, and
/// opened only by the worker (and the API when it presigns a download) for the job's own addresses. They replace a
/// profile's keys only: the endpoint still comes from the operator's profile, so a body cannot point the service at
/// an address of its choosing.
/// </summary>
public sealed class InlineCredentials(IDataProtectionProvider protection, IOptions<StorageOptions> options)
{
    private readonly IDataProtector _protector = protection.CreateProtector("FfmpegApi.Storage.InlineCredentials.v1");

    public bool Allowed => options.Value.AllowInlineCredentials;

    public string Seal(ObjectCredentials credentials) => _protector.Protect(JsonSerializer.Serialize(credentials));

    public ObjectCredentials Unseal(string sealedText) => JsonSerializer.Deserialize<ObjectCredentials>(_protector.Unprotect(sealedText))!;

    /// <summary>Opens a job's sealed credentials (address → sealed text) for the duration of the returned scope.</summary>
    public IDisposable Open(IReadOnlyDictionary<string, string>? sealedByAddress) =>
        sealedByAddress is { Count: > 0 }
            ? BlobStores.UseCredentials(sealedByAddress.ToDictionary(p => p.Key, p => Unseal(p.Value), StringComparer.Ordinal))
            : BlobStores.NoScope;
}

/// <summary>Credentials in force for the current job's addresses (flows with the async context), and the stores made with them.</summary>
internal sealed class CredentialScope(IReadOnlyDictionary<string, ObjectCredentials> byAddress, CredentialScope? previous, Action<CredentialScope?> restore) : IDisposable
{
    private readonly ConcurrentDictionary<string, IBlobStore> _stores = new(StringComparer.Ordinal);

    public IBlobStore? StoreFor(string address, StorageProfile profile, Func<StorageProfile, IBlobStore> create) =>
        byAddress.TryGetValue(address, out var keys)
            ? _stores.GetOrAdd(address, _ => create(profile.WithKeys(keys.AccessKey, keys.SecretKey)))
            : null;

    public void Dispose()
    {
        restore(previous);
        foreach (var store in _stores.Values)
        {
            (store as IDisposable)?.Dispose();
        }
    }
}
