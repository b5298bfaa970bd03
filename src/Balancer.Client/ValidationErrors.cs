using System.Globalization;
using Microsoft.Extensions.Options;

namespace Balancer.Client;

/// <summary>
/// The shape of a validation failure: one problem per line, each naming the client, the field and the value. The
/// options framework joins separate failures with "; ", so the lines are handed to it as one failure and
/// <see cref="OptionsValidationException.Message"/> shows exactly these lines.
/// </summary>
internal static class ValidationErrors
{
    public static string Format(IEnumerable<string> errors) => string.Join(Environment.NewLine, errors);

    public static ValidateOptionsResult Fail(IEnumerable<string> errors) => ValidateOptionsResult.Fail(Format(errors));

    /// <summary>One problem of a client's options: <c>Balancer client '{client}': {field} '{value}' {problem}.</c></summary>
    public static string Line(string client, string field, object? value, string problem) =>
        string.Create(CultureInfo.InvariantCulture, $"Balancer client '{client}': {field} {Show(value)} {problem}.");

    private static string Show(object? value) => value switch
    {
        null => "(null)",
        string s => $"'{s}'",
        IFormattable f => $"'{f.ToString(null, CultureInfo.InvariantCulture)}'",
        _ => $"'{value}'",
    };
}
