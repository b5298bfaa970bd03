using Microsoft.Extensions.Configuration;

namespace Balancer.Client.IntegrationTests.Infrastructure;

/// <summary>
/// An in-memory configuration whose keys can also be removed (the built-in in-memory provider can only set them, and
/// a key set to null still binds as an element). Change keys, then call <see cref="IConfigurationRoot.Reload"/>.
/// </summary>
internal sealed class MutableConfigurationSource(IEnumerable<KeyValuePair<string, string?>> initialData) : ConfigurationProvider, IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    public override void Load()
    {
        if (Data.Count == 0)
        {
            foreach (var pair in initialData)
            {
                Data[pair.Key] = pair.Value;
            }
        }
    }

    /// <summary>Removes <paramref name="prefix"/> and every key below it.</summary>
    public void Remove(string prefix)
    {
        foreach (var key in Data.Keys.Where(k => k.Equals(prefix, StringComparison.OrdinalIgnoreCase) || k.StartsWith(prefix + ":", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            Data.Remove(key);
        }
    }
}
