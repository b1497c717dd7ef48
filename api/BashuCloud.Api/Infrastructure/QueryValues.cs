namespace BashuCloud.Api.Infrastructure;

public static class QueryValues
{
    /// <summary>An enum from a query string by its exact name: not a number, not a comma-separated combination.</summary>
    public static bool TryParse<T>(string? text, out T? value) where T : struct, Enum
    {
        value = null;
        if (text is null) return true;
        if (text.Length == 0 || !text.All(char.IsAsciiLetter) || !Enum.TryParse<T>(text, ignoreCase: false, out var parsed)) return false;
        value = parsed;
        return true;
    }
}
