namespace Balancer.Client.Runtime;

/// <summary>The runtimes of the clients that have started (been used), as the wiring layer's registry holds them; never starts one.</summary>
internal interface IStartedClients
{
    /// <summary>The runtime of <paramref name="name"/> if that client has started, else <see langword="null"/>.</summary>
    ClientRuntime? GetStarted(string name);

    /// <summary>The runtimes of the clients that have started, in no particular order.</summary>
    IEnumerable<ClientRuntime> GetStarted();
}
