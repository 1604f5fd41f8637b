namespace Ocm.Protocol.Validation;

/// <summary>
/// Expirations travel as seconds since the Unix epoch (OCM §Share Creation Notification › Fields, <c>expiration</c>). A peer or a user can send any 64-bit
/// number, but only years 1–9999 are a <see cref="DateTimeOffset"/>: check before converting.
/// </summary>
public static class UnixTime
{
    /// <summary>9999-12-31T23:59:59Z, the latest second a <see cref="DateTimeOffset"/> can hold.</summary>
    public const long MaxSeconds = 253402300799;

    /// <summary>The instant <paramref name="seconds"/> after the epoch, or false when it is negative or past year 9999.</summary>
    public static bool TryToDateTimeOffset(long seconds, out DateTimeOffset instant)
    {
        if (seconds is < 0 or > MaxSeconds)
        {
            instant = default;
            return false;
        }

        instant = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }
}
