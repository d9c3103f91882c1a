using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Configuration;

/// <summary>
/// Options that registration itself reads (which database, whether Redis is set, the webhook targets, the rate limits):
/// bound from configuration once, at registration, and that same instance is what <see cref="IOptions{TOptions}"/>
/// serves later, with the section's validators and post-configure steps applied at start as for any other options.
/// Options that only services read are bound lazily by the options system (<c>BindConfiguration</c>), also once.
/// </summary>
public static class BoundOptions
{
    /// <summary>Binds <paramref name="section"/> now (or returns the instance an earlier call bound) and registers it.</summary>
    public static OptionsBuilder<T> AddBoundOptions<T>(this IServiceCollection services, IConfiguration configuration, string section, out T value)
        where T : class, new()
    {
        if (Find<T>(services) is { } bound)
        {
            value = bound.Value;
            return services.AddOptions<T>();
        }

        var instance = configuration.GetSection(section).Get<T>() ?? new T();
        services.AddSingleton(new Bound<T>(instance));
        services.AddSingleton<IOptionsFactory<T>>(sp => new Factory<T>(
            instance, sp.GetServices<IConfigureOptions<T>>(), sp.GetServices<IPostConfigureOptions<T>>(), sp.GetServices<IValidateOptions<T>>()));
        value = instance;
        return services.AddOptions<T>();
    }

    /// <summary>The instance <see cref="AddBoundOptions{T}"/> bound; fails when that section was not bound at registration.</summary>
    public static T GetBoundOptions<T>(this IServiceCollection services)
        where T : class =>
        Find<T>(services)?.Value ?? throw new InvalidOperationException($"{typeof(T).Name} is not bound at registration; call AddBoundOptions first.");

    private static Bound<T>? Find<T>(IServiceCollection services)
        where T : class =>
        services.LastOrDefault(d => d.ServiceType == typeof(Bound<T>))?.ImplementationInstance as Bound<T>;

    private sealed record Bound<T>(T Value);

    /// <summary>Serves the bound instance as the default options; configure, post-configure and validate steps still run.</summary>
    private sealed class Factory<T>(T bound, IEnumerable<IConfigureOptions<T>> setups, IEnumerable<IPostConfigureOptions<T>> postConfigures, IEnumerable<IValidateOptions<T>> validations)
        : OptionsFactory<T>(setups, postConfigures, validations)
        where T : class, new()
    {
        protected override T CreateInstance(string name) => name == Options.DefaultName ? bound : base.CreateInstance(name);
    }
}
