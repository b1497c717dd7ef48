using BashuCloud.Api.Listings;

namespace BashuCloud.Api.Search;

/// <summary>A search page's cursor: the order it belongs to, the scope the page ended in and its last listing.</summary>
public static class SearchCursor
{
    public static string Encode(SearchOrder order, SearchPosition position) =>
        Cursor.Encode($"{(order is SearchOrder.Newest ? 'n' : 'r')}{(int)position.Scope}:{position.AfterId}");

    /// <summary>A position this API could have written for this order; anything else is forged or from another order.</summary>
    public static bool TryDecode(string cursor, SearchOrder order, out SearchPosition? position)
    {
        position = null;
        if (!Cursor.TryDecodeText(cursor, out var text) || text.Length < 4 || text[2] != ':') return false;
        var expected = order is SearchOrder.Newest ? 'n' : 'r';
        if (text[0] != expected || text[1] is < '0' or > '3') return false;
        var scope = (SearchScope)(text[1] - '0');
        if ((order is SearchOrder.Newest) != (scope is SearchScope.Anywhere)) return false;
        var id = text[3..];
        if (!BashuId.IsValid(id)) return false;
        position = new SearchPosition(scope, id);
        return true;
    }
}
