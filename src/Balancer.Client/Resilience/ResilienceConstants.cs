namespace Balancer.Client.Resilience;

/// <summary>Defaults of retry, hedging and the budget they share.</summary>
internal static class ResilienceConstants
{
    public const double DefaultBudgetRatio = 0.2;
    public const int DefaultMinRetriesPerWindow = 10;
    public static readonly TimeSpan DefaultBudgetWindow = TimeSpan.FromSeconds(10);
    public const int DefaultMaxHedgedAttempts = 1;
    public static readonly TimeSpan DefaultHedgingMinDelay = TimeSpan.FromMilliseconds(10);
}
