using System.Text.Json;
using FfmpegApi.Core.Storage.Blobs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// The original API's inline <c>credentials</c> on an object input or output (<c>{"path": "s3://…", "credentials":
/// {"access_key": …, "secret_key": …}}</c>): refused unless the operator allows them, checked, sealed at once and
/// collected by address for the job spec. Errors never repeat a value. The original's documented string
/// <c>"presigned"</c> names the server's own access (its storage profile, which reads objects by presigned URL): it
/// carries no secret, so it is accepted whatever the setting, and changes nothing.
/// </summary>
internal static class CredentialFields
{
    public const string Presigned = "presigned";

    public static void Collect(JsonElement owner, string field, string? address, InlineCredentials? sealer, JsonFields fields, Dictionary<string, string> into)
    {
        if (owner.ValueKind != JsonValueKind.Object || !owner.TryGetProperty("credentials", out var credentials) || credentials.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        var name = field + ".credentials";
        if (credentials.ValueKind == JsonValueKind.String && credentials.GetString() == Presigned)
        {
            return;
        }

        if (sealer is not { Allowed: true })
        {
            fields.Errors.Add(name, "Inline credentials are turned off on this server: the operator gives it keys through a storage profile (Storage:Profiles), or enables Storage:AllowInlineCredentials.", InvalidRequest);
            return;
        }

        if (address is null || !BlobAddress.TryParse(address, out var parsed, out _))
        {
            fields.Errors.Add(name, "Credentials apply to object addresses (s3://, azure://, gs://).", InvalidRequest);
            return;
        }

        if (credentials.ValueKind != JsonValueKind.Object)
        {
            fields.Errors.Add(name, "Must be an object: { \"access_key\": …, \"secret_key\": … }, or \"presigned\" (the server's own access).", InvalidRequest);
            return;
        }

        fields.RejectUnknown(credentials, name, InvalidRequest, "access_key", "secret_key");
        var access = credentials.TryGetProperty("access_key", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        var secret = credentials.TryGetProperty("secret_key", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        if (access is not { Length: > 0 and <= 1024 } || secret is not { Length: > 0 and <= 1024 })
        {
            fields.Errors.Add(name, "Needs access_key and secret_key, strings of 1 to 1024 characters (S3/GCS: key id and secret; Azure: account name and key).", InvalidRequest);
            return;
        }

        into[parsed.ToString()] = sealer.Seal(new ObjectCredentials(access, secret));
    }
}
