using FfmpegApi.Core.Storage.Blobs;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>
/// s3rver on loopback with a server whose profile <c>test</c> points at it, a key, and a 2 s clip at
/// <c>s3://media/in/clip.mp4</c>. Null when s3rver is not installed.
/// </summary>
public sealed class S3JobServer : IAsyncDisposable
{
    private S3JobServer(S3Emulator s3, ApiServer server, HttpClient client)
    {
        S3 = s3;
        Server = server;
        Client = client;
    }

    public S3Emulator S3 { get; }

    public ApiServer Server { get; }

    public HttpClient Client { get; }

    public static async Task<S3JobServer?> StartAsync(Action<Dictionary<string, string?>>? configure = null)
    {
        var s3 = await S3Emulator.StartAsync();
        if (s3 is null)
        {
            return null;
        }

        var settings = s3.Settings();
        configure?.Invoke(settings);
        var server = await ApiServer.StartAsync(settings);
        var client = server.Client(await server.CreateKeyAsync("s3"));
        var clip = Path.Combine(server.DataDir, "clip.mp4");
        await TestMedia.GenerateAsync(clip, 2);
        using var store = new S3BlobStore(s3.Profile, TimeProvider.System);
        await using var file = File.OpenRead(clip);
        await store.UploadAsync("media", "in/clip.mp4", file, "video/mp4", CancellationToken.None);
        return new S3JobServer(s3, server, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        await S3.DisposeAsync();
    }
}
