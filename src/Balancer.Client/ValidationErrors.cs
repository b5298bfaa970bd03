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
}
