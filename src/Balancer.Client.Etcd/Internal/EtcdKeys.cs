using System.Text;

namespace Balancer.Client.Etcd.Internal;

/// <summary>Keys, key ranges, and values as they are quoted.</summary>
internal static class EtcdKeys
{
    /// <summary>Returns the end of the range of every key that starts with <paramref name="prefix"/> (the prefix with its last byte incremented).</summary>
    public static byte[] PrefixRangeEnd(byte[] prefix)
    {
        var end = (byte[])prefix.Clone();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xff)
            {
                end[i]++;
                return end[..(i + 1)];
            }
        }

        // Only 0xff bytes: every key from the prefix on ("\0" means "to the end" in etcd).
        return [0];
    }

    public static byte[] Encode(string key) => Encoding.UTF8.GetBytes(key);

    public static string Decode(byte[]? key) => key is null ? string.Empty : Encoding.UTF8.GetString(key);

    /// <summary>A value as quoted in a log line or an error: its first <see cref="EtcdConstants.MaxLoggedValueLength"/> bytes as UTF-8, "…" when cut.</summary>
    public static string Quote(byte[] value)
    {
        var text = Encoding.UTF8.GetString(value, 0, Math.Min(value.Length, EtcdConstants.MaxLoggedValueLength));
        return value.Length > EtcdConstants.MaxLoggedValueLength ? text + "…" : text;
    }
}
