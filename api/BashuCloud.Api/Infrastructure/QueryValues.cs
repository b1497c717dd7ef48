namespace BashuCloud.Api.Infrastructure;

public static class QueryValues
{
    /// <summary>An enum from a query string by its exact name; numbers are not names.</summary>
    public static bool TryParse<T>(string? text, out T? value) where T : struct, Enum
    {
        value = null;
        if (text is null) return true;
        if (text.Length == 0 || char.IsDigit(text[0]) || text[0] == '-' || !Enum.TryParse<T>(text, ignoreCase: false, out var parsed) || !Enum.IsDefined(parsed)) return false;
        value = parsed;
        return true;
    }
}
