namespace BashuCloud.Users;

[GenerateSerializer, Alias("bashu.UserRole")]
public enum UserRole
{
    Researcher = 1,
    Enterprise = 2,
    Institution = 3,
    FinancialInstitution = 4,
    Broker = 5,
    ServiceProvider = 6,
    /// <summary>A provincial administrator: of one region, or of both when the region is not set.</summary>
    Administrator = 7,
}
