using System.Text.Json;
using BashuCloud.Listings;
using BashuCloud.Platforms;
using BashuCloud.Regions;
using BashuCloud.Users;

namespace BashuCloud.Seeds;

public sealed record SeedPlatform(string Id, string Name, string? NameEn, PlatformKind Kind, Region HomeRegion, string? Url)
{
    public PlatformRegistration ToRegistration() => new(Name, NameEn, Kind, HomeRegion, Url);
}

public sealed record SeedUser(string SeedKey, string DisplayName, UserRole Role, Region Region, string? Organization, string? City)
{
    /// <summary>Stable across loads, so the loader recognises what it created before.</summary>
    public string Id => BashuId.FromSeed(Region, SeedKey);

    public UserRegistration ToRegistration() => new(DisplayName, Role, Region, Organization, City);
}

public sealed record SeedListing(
    string SeedKey, ListingKind Kind, Region Region, string City, string PlatformId, string OwnerSeedKey, string Title,
    string? TitleEn, string Summary, TechnologyField Field, string? IndustryCode, string? IpcClass, string? PatentNumber,
    int Trl, IReadOnlyList<DealType> DealTypes, PriceModel PriceModel, decimal? PriceAmountCny, IReadOnlyList<Owner> Owners,
    IReadOnlyList<string> Keywords, DateOnly? ExpiresOn, ListingStatus Status)
{
    public string Id => BashuId.FromSeed(Region, SeedKey);

    public ListingDraft ToDraft() => new(Kind, Region, PlatformId, Title, TitleEn, Summary, null, Field, IndustryCode, IpcClass,
        PatentNumber, Trl, DealTypes, PriceModel, PriceAmountCny, Owners, City, Keywords, ExpiresOn);
}

public sealed record SeedAcademicList(int Year, string ListKind, string Title, DateOnly AnnouncedOn, string AnnouncedAt, int EntryCount, string Source);

/// <summary>The seed files under seeds/data.</summary>
public sealed record SeedData(
    IReadOnlyList<SeedPlatform> Platforms, IReadOnlyList<SeedUser> Users, IReadOnlyList<SeedListing> Listings, IReadOnlyList<SeedAcademicList> AcademicLists)
{
    public static SeedData Load(string directory) => new(
        Read<SeedPlatform>(directory, "platforms.json"),
        Read<SeedUser>(directory, "users.json"),
        Read<SeedListing>(directory, "listings.json"),
        Read<SeedAcademicList>(directory, "academic-2020.json"));

    private static List<T> Read<T>(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<List<T>>(stream, BashuJson.Options) ?? throw new InvalidDataException($"{path} is empty.");
    }
}
