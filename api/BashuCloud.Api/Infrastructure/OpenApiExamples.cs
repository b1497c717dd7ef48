using System.Text.Json.Nodes;
using BashuCloud.Api.Partners;
using BashuCloud.Api.Platforms;
using BashuCloud.Api.Rights;
using BashuCloud.Api.Webhooks;
using BashuCloud.Listings;
using BashuCloud.Platforms;
using BashuCloud.Users;

namespace BashuCloud.Api.Infrastructure;

/// <summary>Examples of the request bodies, shown in the OpenAPI document next to each schema.</summary>
public static class OpenApiExamples
{
    private const string Listing = """
        {
          "kind": "Achievement", "region": "sichuan", "platformId": "sichuan",
          "title": "地铁隧道渗漏水智能巡检机器人", "titleEn": "Intelligent inspection robot for metro tunnels",
          "summary": "面向城市地铁隧道的自动巡检机器人，可识别渗漏水和裂缝，已在成都地铁示范应用。",
          "field": "RailTransit", "industryCode": "C3720", "trl": 7, "dealTypes": ["Transfer", "NonExclusiveLicence"],
          "priceModel": "Fixed", "priceAmountCny": 1200000,
          "owners": [{ "name": "西南交通大学", "share": 70 }, { "name": "成都天府新材料有限公司", "share": 30 }],
          "city": "成都", "keywords": ["地铁", "巡检", "机器人"], "expiresOn": "2028-06-30"
        }
        """;

    private static readonly Dictionary<Type, string> Examples = new()
    {
        [typeof(ListingDraft)] = Listing,
        [typeof(SyncItem)] = """{ "op": "withdraw", "externalId": "kczg-2026-0042", "reason": "需求已满足" }""",
        [typeof(SyncBatchRequest)] = $$"""
            { "partnerId": "kczg", "items": [
                { "op": "upsert", "externalId": "kczg-2026-0041", "listing": {{Listing}} },
                { "op": "withdraw", "externalId": "kczg-2026-0042", "reason": "需求已满足" } ] }
            """,
        [typeof(KeyRequest)] = """{ "scopes": ["listings:read", "listings:write", "changes:read"], "label": "科创中国同步系统" }""",
        [typeof(RotationRequest)] = """{ "overlapSeconds": 3600 }""",
        [typeof(WebhookRequest)] = """{ "url": "https://sync.example.cn/bashu/hooks", "events": ["listing.changed", "listing.removed"], "description": "生产同步" }""",
        [typeof(RightsEndpoints.RightsRequest)] = """
            { "owners": [{ "name": "西南交通大学", "share": 60 }, { "name": "成都天府新材料有限公司", "share": 40 }],
              "evidence": { "patentNumber": "ZL202010123456.7", "documents": ["专利证书扫描件"] } }
            """,
        [typeof(RightsEndpoints.ValuationRequest)] =
            """{ "method": "Income", "lowCny": 900000, "highCny": 1300000, "valuedOn": "2026-11-28", "validUntil": "2027-11-27", "note": "收益法" }""",
        [typeof(UserRegistration)] = """{ "displayName": "张研究员", "role": "Researcher", "region": "chongqing", "organization": "重庆大学", "city": "重庆" }""",
        [typeof(PlatformRegistration)] = """{ "name": "科创中国", "nameEn": "Sci-Tech China", "kind": "Partner", "homeRegion": "sichuan", "url": "https://www.kczg.org.cn" }""",
    };

    /// <summary>The example for a schema's type, if it has one.</summary>
    public static JsonNode? For(Type type) => Examples.TryGetValue(type, out var json) ? JsonNode.Parse(json) : null;
}
