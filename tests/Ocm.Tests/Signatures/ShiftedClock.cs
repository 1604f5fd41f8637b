namespace Ocm.Tests.Signatures;

/// <summary>
/// The system clock moved by <see cref="Offset"/>: a server's idea of "now" can jump ahead (a JWK Set cache may
/// re-fetch, a retired key's grace period ends) while it keeps running on real timers and real peers' timestamps.
/// </summary>
internal sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
