using System.Collections;
using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection.Pipeline;

/// <summary>A read-only view of a pool without the endpoint at one index, in pool order; copies nothing.</summary>
internal sealed class ExceptOneList(BalancerEndpoint[] pool, int skipped) : IReadOnlyList<BalancerEndpoint>
{
    public int Count => pool.Length - 1;

    public BalancerEndpoint this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return pool[index < skipped ? index : index + 1];
        }
    }

    public IEnumerator<BalancerEndpoint> GetEnumerator()
    {
        for (var i = 0; i < pool.Length; i++)
        {
            if (i != skipped)
            {
                yield return pool[i];
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
