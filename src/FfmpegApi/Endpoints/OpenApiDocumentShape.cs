using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FfmpegApi.Endpoints;

/// <summary>
/// What the OpenAPI document says beyond the endpoints: how to authenticate (an <c>X-API-Key</c> header or a bearer
/// token, on every operation but the anonymous ones), the server (this one), and what each tag groups.
/// </summary>
internal static class OpenApiDocumentShape
{
    public const string ApiKey = "ApiKey";
    public const string Bearer = "Bearer";

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Jobs"] = "Submit conversion, streaming, thumbnail and analysis jobs; follow them (SSE), read their outputs, cancel and retry.",
        ["Batches"] = "Several jobs in one request, with dependencies between them (and the original API's batch body).",
        ["Uploads"] = "Resumable uploads (tus) into storage, for inputs.",
        ["Webhooks"] = "Signed webhook subscriptions and their delivery log.",
        ["Presets"] = "Built-in output presets a job may name.",
        ["API keys"] = "The original API's key routes: create, list, update, revoke, extend, usage.",
        ["Admin"] = "Keys, audit trail, statistics and workers (admin keys).",
        ["System"] = "What this server and its ffmpeg can do.",
        ["Health"] = "Liveness and readiness probes (anonymous).",
    };

    public static Task TransformDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "FFmpeg API";
        document.Info.Description = "Media processing jobs over REST: submit, follow progress (SSE), download outputs.";
        document.Servers = [new OpenApiServer { Url = "/", Description = "This server." }];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal)
        {
            [ApiKey] = new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-API-Key", Description = "An API key (docs/security.md)." },
            [Bearer] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "The same API key as a bearer token." },
        };
        document.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKey, document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] },
        ];
        document.Tags = new HashSet<OpenApiTag>(TagDescriptions.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }));
        return Task.CompletedTask;
    }

    /// <summary>Anonymous endpoints (health probes, capabilities) need no key: their operations say so.</summary>
    public static Task TransformOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [];
        }

        return Task.CompletedTask;
    }
}
