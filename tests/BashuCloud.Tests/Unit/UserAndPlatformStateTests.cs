using BashuCloud.Listings;
using BashuCloud.Platforms;
using BashuCloud.Users;

namespace BashuCloud.Tests.Unit;

public class UserAndPlatformStateTests
{
    private const string ChongqingUser = "chongqing-01JD5Z8Q8X4M6W2T3R9K7B1C0A";
    private static readonly UserRegistration Broker = new("范磊", UserRole.Broker, Region.Chongqing, "重庆市技术转移研究院", "重庆");

    [Fact]
    public void A_region_administrator_registers_users_of_that_region_only()
    {
        Assert.True(new UserState().Register(ChongqingUser, Broker, Samples.Administrator(Region.Chongqing), Samples.Now).Outcome.Succeeded);
        Assert.Equal(Refusal.Forbidden, new UserState().Register(ChongqingUser, Broker, Samples.Administrator(Region.Sichuan), Samples.Now).Outcome.Refusal);
        Assert.Equal(Refusal.Forbidden, new UserState().Register(ChongqingUser, Broker, Samples.Owner(Region.Chongqing), Samples.Now).Outcome.Refusal);
    }

    [Fact]
    public void A_user_needs_a_name_role_and_region()
    {
        var decision = new UserState().Register(ChongqingUser, new UserRegistration(" ", null, null, null, null), Samples.JointAdministrator, Samples.Now);
        Assert.Equal(["displayName", "role", "region"], decision.Outcome.Errors!.Keys.ToArray());
    }

    [Fact]
    public void No_user_is_registered_as_a_platform()
    {
        var decision = new UserState().Register(ChongqingUser, new UserRegistration("接口账号", UserRole.Platform, Region.Chongqing, null, null), Samples.JointAdministrator, Samples.Now);
        Assert.Equal(["role"], decision.Outcome.Errors!.Keys.ToArray());
    }

    [Fact]
    public void A_user_is_registered_once() =>
        Assert.Equal(Refusal.AlreadyExists, new UserState().Register(ChongqingUser, Broker, Samples.JointAdministrator, Samples.Now).Next
            .Register(ChongqingUser, Broker, Samples.JointAdministrator, Samples.Now).Outcome.Refusal);

    [Fact]
    public void A_provincial_platform_is_named_after_its_region()
    {
        var tianfu = new PlatformRegistration("天府科技云", "Tianfu S&T Cloud", PlatformKind.Provincial, Region.Sichuan, null);
        Assert.True(new PlatformState().Register("sichuan", tianfu, Samples.JointAdministrator, Samples.Now).Outcome.Succeeded);
        Assert.Contains("id", new PlatformState().Register("tianfu", tianfu, Samples.JointAdministrator, Samples.Now).Outcome.Errors!.Keys);
    }

    [Fact]
    public void A_partner_platform_is_bound_to_a_home_region()
    {
        var kczg = new PlatformRegistration("科创中国", null, PlatformKind.Partner, null, "https://example.org");
        Assert.Contains("homeRegion", new PlatformState().Register("kczg", kczg, Samples.JointAdministrator, Samples.Now).Outcome.Errors!.Keys);
        var registered = new PlatformState().Register("kczg", kczg with { HomeRegion = Region.Sichuan }, Samples.JointAdministrator, Samples.Now);
        Assert.Equal(Region.Sichuan, registered.Outcome.Value!.HomeRegion);
    }

    [Fact]
    public void Only_the_joint_administrator_registers_administrators()
    {
        var administrator = new UserRegistration("重庆管理员", UserRole.Administrator, Region.Chongqing, null, null);
        var byProvince = new UserState().Register(ChongqingUser, administrator, Samples.Administrator(Region.Chongqing), Samples.Now);
        Assert.Equal(Refusal.Forbidden, byProvince.Outcome.Refusal);
        Assert.False(byProvince.Next.Exists);
        Assert.True(new UserState().Register(ChongqingUser, administrator, Samples.JointAdministrator, Samples.Now).Outcome.Succeeded);
    }

    [Theory]
    [InlineData("admin", PlatformKind.Partner, Region.Sichuan)]
    [InlineData("system", PlatformKind.Partner, Region.Sichuan)]
    [InlineData("seed-loader", PlatformKind.Partner, Region.Chongqing)]
    [InlineData("chongqing", PlatformKind.Partner, Region.Chongqing)]
    [InlineData("sichuan", PlatformKind.Partner, Region.Chongqing)]
    public void No_platform_takes_the_id_of_another_principal(string id, PlatformKind kind, Region region)
    {
        var decision = new PlatformState().Register(id, new PlatformRegistration("冒名平台", null, kind, region, null), Samples.JointAdministrator, Samples.Now);
        Assert.Contains("id", decision.Outcome.Errors!.Keys);
    }

    [Fact]
    public void No_user_id_is_ever_a_platform_id()
    {
        foreach (var region in Regions.Regions.All)
        {
            for (var i = 0; i < 100; i++) Assert.False(ListingRules.IsPlatformId(BashuId.New(region)));
        }
        Assert.False(ListingRules.IsPlatformId(ChongqingUser));
    }
}
