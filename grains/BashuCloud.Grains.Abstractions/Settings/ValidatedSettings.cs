using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BashuCloud.Settings;

/// <summary>
/// Binds a section of our settings and checks its attributes when the process starts, so a bad value stops the
/// process at once instead of at first use. A failure names the setting the way an operator writes it
/// ("Bashu:Storage:Writers", env Bashu__Storage__Writers) rather than the options class's member.
/// </summary>
public static class ValidatedSettings
{
    public static OptionsBuilder<T> AddValidatedSettings<T>(this IServiceCollection services, string section) where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new AttributeValidation<T>(section));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>The attributes' failures of one settings object, each naming its setting; empty when it is valid.</summary>
    public static IReadOnlyList<string> Failures(object settings, string section)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(settings, new ValidationContext(settings), results, validateAllProperties: true);
        return [.. results.Select(r => $"配置无效 (invalid setting) {string.Join(", ", r.MemberNames.Select(m => $"{section}:{m}"))}: {r.ErrorMessage}")];
    }

    private sealed class AttributeValidation<T>(string section) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            Failures(options, section) is { Count: > 0 } failures ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
