namespace Balancer.Client.Etcd;

/// <summary>etcd answered with an error, or could not be reached at any of its endpoints.</summary>
public sealed class EtcdException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="EtcdException"/> class.</summary>
    public EtcdException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EtcdException"/> class.</summary>
    /// <param name="message">What went wrong.</param>
    public EtcdException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EtcdException"/> class.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    public EtcdException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EtcdException"/> class for an error answer of etcd.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="statusCode">The gRPC status code etcd answered with.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public EtcdException(string message, int statusCode, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>
    /// Gets the gRPC status code etcd answered with (for example 5, not found; 11, out of range, for a compacted
    /// revision; 14, unavailable), or <see langword="null"/> when etcd gave none (it was unreachable, or the answer was
    /// not etcd's).
    /// </summary>
    public int? StatusCode { get; }
}
