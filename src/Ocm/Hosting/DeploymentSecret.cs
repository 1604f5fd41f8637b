using System.Security.Cryptography;
using System.Text;
using Ocm.Data;

namespace Ocm.Hosting;

/// <summary>
/// The secret every node of one deployment shares (<c>Ocm:DeploymentSecret</c>, or a file named by
/// <c>Ocm:DeploymentSecretFile</c>). It never reaches the database: what is kept there that must stay secret — the
/// server's private signing keys, the key that encrypts received shares' secrets, the Data Protection key ring — is
/// sealed with AES-256-GCM under keys derived from it with HKDF-SHA256 (RFC 5869), one per purpose, so a database
/// dump or backup alone opens nothing. With SQLite and neither setting, a random secret is kept in
/// <c>{DataDir}/deployment-secret</c> (mode 0600): one node needs no configuration. PostgreSQL means nodes may be
/// several, each with its own data directory, so there the secret must be configured (see <see cref="Check"/>).
/// </summary>
internal sealed class DeploymentSecret(OcmOptions options, DatabaseOptions database, OcmServerInfo server, RandomNumberGenerator random)
{
    /// <summary>The file name of the generated secret in the data directory (SQLite without configuration).</summary>
    public const string GeneratedFileName = "deployment-secret";

    /// <summary>Shorter secrets are refused: they would be guessable from a database dump.</summary>
    public const int MinimumLength = 16;

    private const string Format = "v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly Lock _lock = new();
    private byte[]? _secret;

    /// <summary>Where the secret comes from, for the start banner (never the secret itself).</summary>
    public string Source => options switch
    {
        { DeploymentSecret.Length: > 0 } => "Ocm:DeploymentSecret",
        { DeploymentSecretFile.Length: > 0 } => Path.GetFullPath(options.DeploymentSecretFile!),
        _ => Path.Combine(server.DataDir, GeneratedFileName),
    };

    /// <summary>
    /// Configuration errors, all at once, before anything starts: both settings, a short secret, a file that is missing,
    /// empty or readable by other users, and PostgreSQL without a secret.
    /// </summary>
    public static IEnumerable<string> Check(OcmOptions options, DatabaseOptions database)
    {
        var hasValue = !string.IsNullOrEmpty(options.DeploymentSecret);
        var hasFile = !string.IsNullOrEmpty(options.DeploymentSecretFile);
        if (hasValue && hasFile)
        {
            yield return "Ocm:DeploymentSecret and Ocm:DeploymentSecretFile are both set; set only one.";
            yield break;
        }

        if (hasValue && options.DeploymentSecret!.Trim().Length < MinimumLength)
        {
            yield return $"Ocm:DeploymentSecret is shorter than {MinimumLength} characters; use a long random value (e.g. openssl rand -base64 32).";
        }

        if (hasFile && FileProblem(options.DeploymentSecretFile!) is { } problem)
        {
            yield return problem;
        }

        if (!hasValue && !hasFile && database.IsPostgres)
        {
            yield return "Ocm:DeploymentSecret (OCM_DEPLOYMENTSECRET) or Ocm:DeploymentSecretFile is required with PostgreSQL: "
                + "every node must share it, it encrypts the signing keys kept in the database.";
        }
    }

    /// <summary>Reads (or, for SQLite without configuration, creates) the secret; call once the data directory exists.</summary>
    public void EnsureLoaded() => _ = Secret;

    /// <summary>Encrypts <paramref name="plaintext"/> for <paramref name="purpose"/>, bound to <paramref name="context"/> (e.g. the row's key).</summary>
    public string Seal(string purpose, string context, ReadOnlySpan<byte> plaintext)
    {
        var key = KeyFor(purpose);
        var nonce = new byte[NonceSize];
        random.GetBytes(nonce);
        var sealedBytes = new byte[NonceSize + TagSize + plaintext.Length];
        nonce.CopyTo(sealedBytes, 0);
        using (var aes = new AesGcm(key, TagSize))
        {
            aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), Encoding.UTF8.GetBytes(context));
        }

        CryptographicOperations.ZeroMemory(key);
        return Format + Convert.ToBase64String(sealedBytes);
    }

    public string Seal(string purpose, string context, string plaintext) => Seal(purpose, context, Encoding.UTF8.GetBytes(plaintext));

    /// <summary>
    /// Decrypts what <see cref="Seal(string, string, ReadOnlySpan{byte})"/> made. A value sealed under another deployment secret
    /// throws a <see cref="DeploymentSecretMismatchException"/> naming the setting.
    /// </summary>
    public byte[] Open(string purpose, string context, string sealedValue)
    {
        if (!sealedValue.StartsWith(Format, StringComparison.Ordinal))
        {
            throw new DeploymentSecretMismatchException($"a {purpose} value in the database is not in a known sealed format.");
        }

        var data = Convert.FromBase64String(sealedValue[Format.Length..]);
        if (data.Length < NonceSize + TagSize)
        {
            throw new DeploymentSecretMismatchException($"a {purpose} value in the database is truncated.");
        }

        var plain = new byte[data.Length - NonceSize - TagSize];
        var key = KeyFor(purpose);
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize + TagSize), data.AsSpan(NonceSize, TagSize), plain, Encoding.UTF8.GetBytes(context));
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new DeploymentSecretMismatchException(
                $"the {purpose} in the database were encrypted with another deployment secret than this node's ({Source}). "
                + "Give every node the same Ocm:DeploymentSecret (or Ocm:DeploymentSecretFile).",
                ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        return plain;
    }

    public string OpenString(string purpose, string context, string sealedValue) => Encoding.UTF8.GetString(Open(purpose, context, sealedValue));

    private byte[] KeyFor(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Secret, 32, salt: "ocm-deployment-secret"u8.ToArray(), info: Encoding.UTF8.GetBytes("ocm/" + purpose));

    private byte[] Secret
    {
        get
        {
            if (Volatile.Read(ref _secret) is { } secret)
            {
                return secret;
            }

            lock (_lock)
            {
                _secret ??= Load();
                return _secret;
            }
        }
    }

    private byte[] Load()
    {
        if (!string.IsNullOrEmpty(options.DeploymentSecret))
        {
            return Encoding.UTF8.GetBytes(options.DeploymentSecret.Trim());
        }

        if (!string.IsNullOrEmpty(options.DeploymentSecretFile))
        {
            return ReadFile(options.DeploymentSecretFile);
        }

        if (database.IsPostgres)
        {
            // Check() refuses this at start; reaching it means a host was built around the validation.
            throw new OcmStartupException("Ocm:DeploymentSecret is required with PostgreSQL.", StartupFailures.ExitConfiguration);
        }

        var path = Path.Combine(server.DataDir, GeneratedFileName);
        if (!File.Exists(path))
        {
            CreateGenerated(path);
        }

        return ReadFile(path);
    }

    private void CreateGenerated(string path)
    {
        var bytes = new byte[32];
        random.GetBytes(bytes);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var stream = new FileStream(path, options);
            stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes) + "\n"));
            stream.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process on the same data directory (an 'ocm' command beside the server) created it first.
        }
    }

    private static byte[] ReadFile(string path)
    {
        if (FileProblem(path) is { } problem)
        {
            throw new OcmStartupException(problem, StartupFailures.ExitConfiguration);
        }

        return Encoding.UTF8.GetBytes(File.ReadAllText(path).Trim());
    }

    /// <summary>Why the secret file cannot be used, or null. A file other users can read is no secret (like ssh's private keys).</summary>
    private static string? FileProblem(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            return $"Ocm:DeploymentSecretFile: {full} does not exist.";
        }

        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode OthersMayAccess = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            var mode = File.GetUnixFileMode(full);
            if ((mode & OthersMayAccess) != 0)
            {
                return $"Ocm:DeploymentSecretFile: {full} is readable or writable by every user (mode {Convert.ToString((int)mode, 8)}); "
                    + $"restrict it with 'chmod 600 {full}'.";
            }
        }

        try
        {
            if (File.ReadAllText(full).Trim().Length < MinimumLength)
            {
                return $"Ocm:DeploymentSecretFile: {full} holds fewer than {MinimumLength} characters; put a long random value in it (e.g. openssl rand -base64 32).";
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"Ocm:DeploymentSecretFile: {full} cannot be read ({StartupFailures.OneLine(ex.Message).TrimEnd('.')}).";
        }

        return null;
    }
}

/// <summary>A sealed value cannot be opened with this node's deployment secret; the message says what to fix.</summary>
internal sealed class DeploymentSecretMismatchException : Exception
{
    public DeploymentSecretMismatchException()
    {
    }

    public DeploymentSecretMismatchException(string message)
        : base(message)
    {
    }

    public DeploymentSecretMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
