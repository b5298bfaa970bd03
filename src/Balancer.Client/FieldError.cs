namespace Balancer.Client;

/// <summary>
/// Receives one problem found while checking options: the field (its path from the client's options, such as
/// <c>Health.MaxCooldown</c>), the value it holds and what is wrong with it. Each feature's validation reports through
/// it; the caller decides how the problem reads (see <see cref="ValidationErrors.Line"/>).
/// </summary>
internal delegate void FieldError(string field, object? value, string problem);
