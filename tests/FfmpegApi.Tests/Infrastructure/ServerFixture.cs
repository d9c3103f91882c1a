namespace FfmpegApi.Tests.Infrastructure;

/// <summary>One server shared by the API test collection, with inputs generated once.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public ApiServer Server { get; private set; } = null!;

    public string UserKey { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await ApiServer.StartAsync();
        UserKey = await Server.CreateKeyAsync("user");
        await Task.WhenAll(
            TestMedia.GenerateAsync(Path.Combine(Server.StorageRoot, "input", "short.mp4"), 2),
            TestMedia.GenerateAsync(Path.Combine(Server.StorageRoot, "input", "ten.mp4"), 10, "640x360"),
            TestMedia.GenerateAsync(Path.Combine(Server.StorageRoot, "input", "long.mp4"), 60, "640x360"));
        await File.WriteAllTextAsync(Path.Combine(Server.StorageRoot, "input", "notes.mp4"), "this is not a video");
        await TestMedia.ImageAsync(Path.Combine(Server.StorageRoot, "input", "logo.png"), "red", 40, 40);
        await TestMedia.ImageAsync(Path.Combine(Server.StorageRoot, "input", "badge%d.jpg"), "blue", 32, 32);
        await File.WriteAllTextAsync(Path.Combine(Server.StorageRoot, "input", "subs.srt"), "1\n00:00:00,200 --> 00:00:01,500\nHello: it's [a] test, 100%\n");
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}

/// <summary>
/// The media matrices (formats, edge cases, ladder geometry) on a server of their own, so they run beside the API
/// collection instead of after it (both fixtures generate the same inputs).
/// </summary>
[CollectionDefinition(Name)]
public sealed class MediaCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "media";
}
