namespace FfmpegApi.Endpoints.Jobs;

/// <summary>What a model check answers: the model an upscale operation means (and its scale), or why it cannot run.</summary>
public delegate (string? Model, int Scale, string? Problem) UpscaleModelCheck(string? model, int? scale);
