using System.Globalization;
using Microsoft.Extensions.Options;

namespace Balancer.Client.Resilience;

/// <summary>Validates retry and hedging options, naming client, field and value.</summary>
internal sealed class ResilienceOptionsValidator : IValidateOptions<BalancerRetryOptions>, IValidateOptions<BalancerHedgingOptions>
{
    public ValidateOptionsResult Validate(string? name, BalancerRetryOptions options)
    {
        var errors = new List<string>();
        void Error(string field, object value, string problem) =>
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Balancer client '{name}': Retry.{field} '{value}' {problem}."));

        if (options.MaxRetryAttempts is < 1 or > 10)
        {
            Error(nameof(options.MaxRetryAttempts), options.MaxRetryAttempts, "is out of range; allowed from 1 to 10");
        }

        if (options.Delay < TimeSpan.Zero || options.Delay > TimeSpan.FromMinutes(1))
        {
            Error(nameof(options.Delay), options.Delay, "is out of range; allowed from 00:00:00 to 00:01:00");
        }

        if (double.IsNaN(options.BudgetRatio) || options.BudgetRatio < 0 || options.BudgetRatio > 1)
        {
            Error(nameof(options.BudgetRatio), options.BudgetRatio, "is out of range; allowed from 0 to 1");
        }

        if (options.BudgetWindow < TimeSpan.FromSeconds(1) || options.BudgetWindow > TimeSpan.FromHours(1))
        {
            Error(nameof(options.BudgetWindow), options.BudgetWindow, "is out of range; allowed from 00:00:01 to 01:00:00");
        }

        if (options.MinRetriesPerWindow < 0)
        {
            Error(nameof(options.MinRetriesPerWindow), options.MinRetriesPerWindow, "is negative");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidationErrors.Fail(errors);
    }

    public ValidateOptionsResult Validate(string? name, BalancerHedgingOptions options)
    {
        var errors = new List<string>();
        void Error(string field, object? value, string problem) =>
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Balancer client '{name}': Hedging.{field} '{value}' {problem}."));

        if (options.MaxHedgedAttempts is < 1 or > 5)
        {
            Error(nameof(options.MaxHedgedAttempts), options.MaxHedgedAttempts, "is out of range; allowed from 1 to 5");
        }

        if (options.Delay is { } delay && (delay < TimeSpan.Zero || delay > TimeSpan.FromMinutes(1)))
        {
            Error(nameof(options.Delay), delay, "is out of range; allowed from 00:00:00 to 00:01:00");
        }

        if (options.MinDelay < TimeSpan.Zero || options.MinDelay > TimeSpan.FromMinutes(1))
        {
            Error(nameof(options.MinDelay), options.MinDelay, "is out of range; allowed from 00:00:00 to 00:01:00");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidationErrors.Fail(errors);
    }
}
