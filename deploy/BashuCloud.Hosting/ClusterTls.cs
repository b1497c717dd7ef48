using System.ComponentModel.DataAnnotations;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;

namespace BashuCloud.Hosting;

/// <summary>
/// Mutual TLS between silos and between clients (the API, the CLI) and the gateways, under "Bashu:Tls"; off while
/// <see cref="CertificatePath"/> is unset, so a local run stays plain.
/// A peer is accepted when its certificate chains to one of the cluster's own certificate authorities
/// (<see cref="CaPath"/>), not the machine's trust store: a certificate from a public CA must not admit anyone to
/// the cluster. The host name is not checked (silos reach each other by the IP addresses in the membership table,
/// and pod addresses change); pinning thumbprints is not offered because every renewal would then need every
/// peer's configuration changed at once, while a CA lets certificates be renewed one process at a time.
/// </summary>
public sealed class ClusterTlsSettings
{
    public const string Section = "Bashu:Tls";

    /// <summary>This process's certificate: a PKCS#12 file (.pfx, .p12) or a PEM certificate (key in <see cref="KeyPath"/> or the same file).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key, when <see cref="CertificatePath"/> is a PEM certificate without it.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The PKCS#12 file's password, or the encrypted PEM key's; from a secret, never a checked-in file.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>PEM file of the certificate authorities that issue the cluster's certificates (during a CA rotation: old and new).</summary>
    public string? CaPath { get; set; }

    /// <summary>How long a TLS handshake may take before the connection is dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);
}

public static class ClusterTls
{
    /// <summary>Silo to silo and gateway connections over mutual TLS, when "Bashu:Tls" is configured.</summary>
    public static ISiloBuilder UseBashuTls(this ISiloBuilder silo)
    {
        var tls = Load(silo.Configuration);
        return tls is null ? silo : silo.UseTls(tls.Apply);
    }

    /// <summary>Client to gateway connections over mutual TLS, when "Bashu:Tls" is configured (in <paramref name="configuration"/>, by default the host's).</summary>
    public static IClientBuilder UseBashuTls(this IClientBuilder client, IConfiguration? configuration = null)
    {
        var tls = Load(configuration ?? client.Configuration);
        return tls is null ? client : client.UseTls(tls.Apply);
    }

    /// <summary>The certificate and the trusted authorities, checked now so a mistake stops the process at start; null when TLS is off.</summary>
    public static LoadedTls? Load(IConfiguration configuration)
    {
        var settings = configuration.GetSection(ClusterTlsSettings.Section).Get<ClusterTlsSettings>() ?? new ClusterTlsSettings();
        if (!settings.Enabled)
        {
            if (!string.IsNullOrWhiteSpace(settings.CaPath) || !string.IsNullOrWhiteSpace(settings.KeyPath))
            {
                throw Invalid("设置了 Bashu:Tls:CaPath 或 KeyPath 却没有 Bashu:Tls:CertificatePath (CaPath or KeyPath set without CertificatePath: TLS would silently be off)");
            }
            return null;
        }
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(settings, new ValidationContext(settings), results, validateAllProperties: true))
        {
            throw Invalid(string.Join("; ", results.Select(r => r.ErrorMessage)));
        }
        if (string.IsNullOrWhiteSpace(settings.CaPath))
        {
            throw Invalid("启用 TLS 时必须设置 Bashu:Tls:CaPath，即签发集群证书的 CA (Bashu:Tls:CaPath is required with TLS: the CA that issues the cluster's certificates)");
        }
        var authorities = LoadAuthorities(settings.CaPath);
        var certificate = LoadCertificate(settings);
        var tls = new LoadedTls(certificate, authorities, settings.HandshakeTimeout);
        var now = DateTime.Now;
        var problem = certificate.NotAfter < now || certificate.NotBefore > now
            ? $"Bashu:Tls:CertificatePath 的证书不在有效期内 (the certificate is not valid now: {certificate.NotBefore:u} – {certificate.NotAfter:u})"
            : !tls.IsTrusted(certificate)
                ? "Bashu:Tls:CertificatePath 的证书不是 Bashu:Tls:CaPath 中的 CA 签发的 (the certificate is not issued by a CA in Bashu:Tls:CaPath: peers would refuse it)"
                : null;
        if (problem is null) return tls;
        certificate.Dispose();
        throw Invalid(problem);
    }

    private static X509Certificate2 LoadCertificate(ClusterTlsSettings settings)
    {
        var path = settings.CertificatePath!;
        RequireFile(path, "Bashu:Tls:CertificatePath");
        X509Certificate2 certificate;
        try
        {
            if (Path.GetExtension(path) is var extension && (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase)))
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(path, settings.CertificatePassword);
            }
            else
            {
                if (settings.KeyPath is { Length: > 0 } key) RequireFile(key, "Bashu:Tls:KeyPath");
                certificate = string.IsNullOrEmpty(settings.CertificatePassword)
                    ? X509Certificate2.CreateFromPemFile(path, settings.KeyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, settings.CertificatePassword, settings.KeyPath);
            }
        }
        catch (CryptographicException exception)
        {
            throw Invalid($"无法读取 Bashu:Tls:CertificatePath 的证书或私钥，或密码 Bashu:Tls:CertificatePassword 不对 (cannot read the certificate or its key, or the password is wrong): {exception.Message}");
        }
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw Invalid("Bashu:Tls:CertificatePath 的证书没有私钥，请设置 Bashu:Tls:KeyPath (the certificate has no private key: set Bashu:Tls:KeyPath)");
        }
        return certificate;
    }

    private static X509Certificate2Collection LoadAuthorities(string path)
    {
        RequireFile(path, "Bashu:Tls:CaPath");
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (CryptographicException exception)
        {
            throw Invalid($"无法读取 Bashu:Tls:CaPath (cannot read the CA file): {exception.Message}");
        }
        return authorities.Count > 0 ? authorities : throw Invalid("Bashu:Tls:CaPath 中没有 PEM 证书 (no PEM certificate in Bashu:Tls:CaPath)");
    }

    private static void RequireFile(string path, string setting)
    {
        if (!File.Exists(path)) throw Invalid($"{setting} 指向的文件不存在 (no such file): {path}");
    }

    private static InvalidOperationException Invalid(string message) => new("配置无效 (invalid configuration): " + message);
}

/// <summary>A process's TLS identity and the authorities whose certificates it accepts from peers.</summary>
public sealed class LoadedTls(X509Certificate2 certificate, X509Certificate2Collection authorities, TimeSpan handshakeTimeout)
{
    public X509Certificate2 Certificate { get; } = certificate;

    public void Apply(TlsOptions options)
    {
        options.LocalCertificate = Certificate;
        // Mutual: a silo presents its certificate to the silos it calls and demands one from every caller.
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.HandshakeTimeout = handshakeTimeout;
        options.RemoteCertificateValidation = (remote, _, errors) =>
            !errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) && IsTrusted(remote);
    }

    /// <summary>Whether the certificate chains to one of the cluster's authorities (only those: never the machine's trust store).</summary>
    public bool IsTrusted(X509Certificate2 remote)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        // A private cluster CA publishes no revocation list: a compromised key is cut off by rotating the CA (docs/production.md).
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(remote);
    }
}
