namespace BashuCloud.Listings;

[GenerateSerializer, Alias("bashu.ListingKind")]
public enum ListingKind
{
    /// <summary>科技成果</summary>
    Achievement = 1,
    /// <summary>技术需求/难题</summary>
    Demand = 2,
    /// <summary>专利及其他知识产权</summary>
    Patent = 3,
    /// <summary>科技服务：检验检测、评估、法律……</summary>
    Service = 4,
    /// <summary>专家/科创工作室</summary>
    Expert = 5,
    /// <summary>案例</summary>
    Case = 6,
}

[GenerateSerializer, Alias("bashu.ListingStatus")]
public enum ListingStatus
{
    Draft = 1,
    InReview = 2,
    Published = 3,
    Negotiating = 4,
    Traded = 5,
    Withdrawn = 6,
    Expired = 7,
}

[GenerateSerializer, Alias("bashu.DealType")]
public enum DealType
{
    Transfer = 1,
    ExclusiveLicence = 2,
    NonExclusiveLicence = 3,
    Option = 4,
    Equity = 5,
    JointDevelopment = 6,
    Service = 7,
    Consulting = 8,
}

[GenerateSerializer, Alias("bashu.PriceModel")]
public enum PriceModel
{
    Fixed = 1,
    Negotiable = 2,
    /// <summary>An upfront fee (the amount) plus royalties agreed in the deal.</summary>
    Royalty = 3,
    Free = 4,
}

/// <summary>Field of technology, as the two provinces' platforms classify listings.</summary>
[GenerateSerializer, Alias("bashu.TechnologyField")]
public enum TechnologyField
{
    NewEnergy = 1,
    AdvancedMaterials = 2,
    ElectronicInformation = 3,
    Biomedicine = 4,
    EquipmentManufacturing = 5,
    Aerospace = 6,
    ModernAgriculture = 7,
    EnergySaving = 8,
    RailTransit = 9,
    IntelligentVehicles = 10,
    ArtificialIntelligence = 11,
    ChemicalEngineering = 12,
    Other = 99,
}
