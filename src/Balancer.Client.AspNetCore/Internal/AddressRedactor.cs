using System.Security.Cryptography;
using System.Text;

namespace Balancer.Client.AspNetCore.Internal;

/// <summary>
/// Shows an endpoint address as itself, or as a label keyed with a secret chosen when the dashboard is mapped: the
/// same address gets the same label for the life of the process, and the label does not give the address back.
/// </summary>
internal sealed class AddressRedactor
{
    public static readonly AddressRedactor None = new(null);

    private readonly byte[]? _key;

    private AddressRedactor(byte[]? key)
    {
        _key = key;
    }

    public static AddressRedactor Create(bool redact) => redact ? new AddressRedactor(RandomNumberGenerator.GetBytes(32)) : None;

    public string Show(Uri address)
    {
        if (_key is null)
        {
            return address.AbsoluteUri;
        }

        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(address.AbsoluteUri), hash);
        return "endpoint-" + Convert.ToHexString(hash[..4]);
    }
}
