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
    /// <summary>
    /// A platform's own system (a partner such as 科创中国, or a provincial operator's node) acting through an API key
    /// issued to the platform; the principal is the platform's id. Never the role of a registered user.
    /// </summary>
    Platform = 8,
    /// <summary>
    /// 评估机构 / 资产评估师: values IP and attaches valuations to listings. Registered by an administrator of their
    /// region like any other user.
    /// </summary>
    Valuer = 9,
}
