using System.ComponentModel.DataAnnotations;
using FfmpegApi.Core.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Tests;

/// <summary>Options that registration reads are bound once: the instance registration saw is the one services get.</summary>
public sealed class BoundOptionsTests
{
    public sealed class Sample
    {
        [Range(1, 10)]
        public int Count { get; set; } = 1;

        public string? Name { get; set; }
    }

    [Fact]
    public void Services_get_the_instance_registration_bound_with_its_post_configure_steps_applied()
    {
        var config = new ConfigurationManager();
        config["Sample:Count"] = "3";
        var services = new ServiceCollection();
        services.AddBoundOptions(config, "Sample", out Sample bound).ValidateDataAnnotations().PostConfigure(o => o.Name ??= "post");
        bound.Count.ShouldBe(3);

        // A later change to configuration is not read again: there is one binding.
        config["Sample:Count"] = "4";
        services.AddBoundOptions(config, "Sample", out Sample again);
        again.ShouldBeSameAs(bound);
        services.GetBoundOptions<Sample>().ShouldBeSameAs(bound);

        using var provider = services.BuildServiceProvider();
        var served = provider.GetRequiredService<IOptions<Sample>>().Value;
        served.ShouldBeSameAs(bound);
        (served.Count, served.Name).ShouldBe((3, "post"));
    }

    [Fact]
    public void Validation_still_fails_where_the_options_are_first_read()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Sample:Count"] = "11" }).Build();
        var services = new ServiceCollection();
        services.AddBoundOptions(config, "Sample", out Sample bound).ValidateDataAnnotations().ValidateOnStart();
        bound.Count.ShouldBe(11);
        using var provider = services.BuildServiceProvider();
        Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<Sample>>().Value).Message.ShouldContain("Count");
    }

    [Fact]
    public void A_section_not_bound_at_registration_cannot_be_read_there()
    {
        Should.Throw<InvalidOperationException>(() => new ServiceCollection().GetBoundOptions<Sample>()).Message.ShouldContain("AddBoundOptions");
    }
}
