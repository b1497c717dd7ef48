using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace BashuCloud.Tests.Deploy;

/// <summary>
/// A throwaway certificate authority and the certificates it issues, written to files as an operator would
/// install them: the CA as PEM, a process's certificate as PKCS#12 or as PEM certificate and key.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _authority;

    public TestCertificates(string name, string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        CaPath = Path.Combine(directory, "ca.crt");
        File.WriteAllText(CaPath, _authority.ExportCertificatePem());
    }

    public string Directory { get; }

    /// <summary>The CA's certificate (PEM): what Bashu:Tls:CaPath points at.</summary>
    public string CaPath { get; }

    /// <summary>Issues a certificate for silos and clients alike (server and client authentication); returns its PKCS#12 file.</summary>
    public string IssuePfx(string name, string password)
    {
        using var certificate = Issue(name);
        var path = Path.Combine(Directory, $"{name}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    /// <summary>Issues a certificate; returns its PEM certificate and PEM key files (as cert-manager writes tls.crt and tls.key).</summary>
    public (string Certificate, string Key) IssuePem(string name, DateTimeOffset? notAfter = null)
    {
        using var certificate = Issue(name, notAfter);
        var certificatePath = Path.Combine(Directory, $"{name}.crt");
        var keyPath = Path.Combine(Directory, $"{name}.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    private X509Certificate2 Issue(string name, DateTimeOffset? notAfter = null)
    {
        // Not disposed here: the issued certificate uses it as its private key.
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2") }, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(_authority, DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(7), serial);
        return issued.CopyWithPrivateKey(key);
    }

    public void Dispose()
    {
        _authority.Dispose();
        _key.Dispose();
    }
}
