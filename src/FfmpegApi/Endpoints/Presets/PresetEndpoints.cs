using System.Text.Json.Nodes;
using FfmpegApi.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FfmpegApi.Endpoints.Presets;

public static class PresetEndpoints
{
    public static RouteGroupBuilder MapPresets(this RouteGroupBuilder api)
    {
        api.MapGet("/presets", List).WithName("ListPresets").WithTags("Presets")
            .WithSummary("Named output presets; use one with output.preset and override any field");
        api.MapGet("/presets/{name}", Get).WithName("GetPreset").WithTags("Presets")
            .WithSummary("One preset: the output object and operations it applies")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    internal static PresetListResponse List() => new([.. PresetCatalog.All.Select(PresetView.From)]);

    internal static Results<Ok<PresetView>, ProblemHttpResult> Get(string name, HttpContext context) =>
        PresetCatalog.Find(name) is { } preset
            ? TypedResults.Ok(PresetView.From(preset))
            : ApiProblem.Create(context, StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"No preset named '{name}'. See GET /api/v1/presets.");
}

public sealed record PresetListResponse(IReadOnlyList<PresetView> Presets);

public sealed record PresetView(string Name, string Description, JsonObject Output, JsonArray Operations)
{
    public static PresetView From(NamedPreset preset) =>
        new(preset.Name, preset.Description, (JsonObject)preset.Output.DeepClone(), (JsonArray)preset.Operations.DeepClone());
}
