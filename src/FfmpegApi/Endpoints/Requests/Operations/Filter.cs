using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Endpoints.Requests.Operations;

/// <summary>The original API's filters by name.</summary>
public enum FilterName
{
    Denoise,
    Deinterlace,
    Stabilize,
    Sharpen,
    Blur,
    Brightness,
    Contrast,
    Saturation,
    Hue,
    Eq,
}

/// <summary>
/// The original API's <c>filter</c> operation: <c>name</c> and its <c>params</c>, run as the operation of that name here
/// (<c>brightness</c>, <c>contrast</c>, <c>saturation</c> and <c>eq</c> are a <c>color</c>; a one-value filter takes its
/// own field or <c>value</c>).
/// </summary>
public sealed record Filter : Operation
{
    [Required]
    public FilterName? Name { get; init; }

    [Description("denoise, stabilize: light, medium or strong.")]
    public FilterStrength? Strength { get; init; }

    [Description("sharpen: -2 to 3 (default 1).")]
    [Range(-2d, 3d)]
    public double? Amount { get; init; }

    [Description("brightness, eq: -1 to 1.")]
    [Range(-1d, 1d)]
    public double? Brightness { get; init; }

    [Description("contrast, eq: 0 to 3.")]
    [Range(0d, 3d)]
    public double? Contrast { get; init; }

    [Description("saturation, eq, hue: 0 to 3.")]
    [Range(0d, 3d)]
    public double? Saturation { get; init; }

    [Description("eq: 0.1 to 10.")]
    [Range(0.1, 10d)]
    public double? Gamma { get; init; }

    [Description("blur: pixels, 0.1 to 50.")]
    [Range(0.1, 50d)]
    public double? Sigma { get; init; }

    [Description("hue: degrees, -360 to 360.")]
    [Range(-360d, 360d)]
    public double? Degrees { get; init; }

    [Description("brightness, contrast, saturation, sharpen, blur, hue: the filter's one value.")]
    public double? Value { get; init; }

    internal override OperationSpec? ToSpec(OperationScope scope)
    {
        var takes = Takes(Name!.Value);
        var given = new (string Name, object? Value)[]
        {
            ("strength", Strength), ("amount", Amount), ("brightness", Brightness), ("contrast", Contrast), ("saturation", Saturation),
            ("gamma", Gamma), ("sigma", Sigma), ("degrees", Degrees), ("value", Value),
        };
        var wire = System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(Name.Value.ToString());
        foreach (var (field, value) in given)
        {
            if (value is not null && Array.IndexOf(takes, field) < 0)
            {
                return scope.Fail<OperationSpec>(field, $"Does not apply to the '{wire}' filter; it takes: {(takes.Length == 0 ? "nothing" : string.Join(", ", takes))}.", field, takes);
            }
        }

        if (Name is FilterName.Brightness or FilterName.Contrast or FilterName.Saturation && Value is null && Brightness is null && Contrast is null && Saturation is null)
        {
            return scope.Fail<OperationSpec>("value", $"Required: the {wire} to set ('value' or '{wire}' in params).");
        }

        var single = Name switch
        {
            FilterName.Brightness => new Color { Brightness = Brightness ?? Value },
            FilterName.Contrast => new Color { Contrast = Contrast ?? Value },
            FilterName.Saturation => new Color { Saturation = Saturation ?? Value },
            FilterName.Eq => new Color { Brightness = Brightness, Contrast = Contrast, Saturation = Saturation, Gamma = Gamma },
            FilterName.Sharpen => new Sharpen { Amount = Amount ?? Value },
            FilterName.Denoise => new Denoise { Strength = Strength },
            FilterName.Stabilize => new Stabilize { Strength = Strength },
            FilterName.Blur => new Blur { Sigma = Sigma ?? Value },
            FilterName.Hue => new Hue { Degrees = Degrees ?? Value, Saturation = Saturation },
            _ => (Operation)new Deinterlace(),
        };
        return Checked(single, Value is not null ? "value" : null, scope);
    }

    /// <summary>The fields each filter reads.</summary>
    private static string[] Takes(FilterName name) => name switch
    {
        FilterName.Denoise or FilterName.Stabilize => ["strength"],
        FilterName.Sharpen => ["amount", "value"],
        FilterName.Blur => ["sigma", "value"],
        FilterName.Hue => ["degrees", "saturation", "value"],
        FilterName.Brightness => ["brightness", "value"],
        FilterName.Contrast => ["contrast", "value"],
        FilterName.Saturation => ["saturation", "value"],
        FilterName.Eq => ["brightness", "contrast", "saturation", "gamma"],
        _ => [],
    };

    /// <summary>A one-value filter's <c>value</c> is checked against the bounds of the field it stands for.</summary>
    private static OperationSpec? Checked(Operation operation, string? valueField, OperationScope scope)
    {
        var members = System.Text.Json.JsonSerializer.SerializeToElement(operation, operation.GetType(), Core.Jobs.JsonDefaults.Options)
            .EnumerateObject().Where(p => p.Value.ValueKind != System.Text.Json.JsonValueKind.Null)
            .Select(p => new WireMember(p.Name, p.Value, scope.Field(valueField ?? p.Name))).ToList();
        return RecordFields.Read(operation.GetType(), members, scope.Path, Errors.ErrorCodes.InvalidOperation, scope.Errors) is Operation read ? read.ToSpec(scope) : null;
    }
}
