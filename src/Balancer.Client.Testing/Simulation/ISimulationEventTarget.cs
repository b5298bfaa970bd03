namespace Balancer.Client.Testing.Simulation;

/// <summary>Something that handles events scheduled on a <see cref="SimulationClock"/>. Events carry two integers so that none allocates.</summary>
internal interface ISimulationEventTarget
{
    /// <summary>Handles one event at the clock's current time.</summary>
    void OnEvent(int kind, int a, int b);
}
