// ffmpeg-api: one executable, several roles. See Cli/CliApp.cs for the commands and AppHost.cs for the host.
return await FfmpegApi.Cli.CliApp.RunAsync(args);
