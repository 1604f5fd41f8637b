using Microsoft.Extensions.Options;
using Ocm.Data;
using Ocm.Delivery;
using Ocm.Federation;
using Ocm.Files;
using Ocm.Identity;
using Ocm.Invites;
using Ocm.RequestShares;
using Ocm.Shares;
using Ocm.Signatures;
using Ocm.SyncClients;
using Ocm.Trust;
using Ocm.Ui;
using Ocm.Users;
using Ocm.WebDav;

namespace Ocm.Hosting;

/// <summary>
/// Binds and validates every options section before anything is built, and reports every error of every section at
/// once: an operator who got two settings wrong learns of both from one start, not one per attempt. A value that does
/// not even bind (<c>abc</c> for a number) is one such error, named with its key.
/// </summary>
internal static class ConfigurationValidation
{
    /// <summary>Every options class of the server, with its section and its rules.</summary>
    public static IReadOnlyList<SectionRules> Sections { get; } =
    [
        For<OcmOptions>(OcmOptions.Section, (o, c) => o.Validate().Concat(
            DeploymentSecret.Check(o, c.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions()))),
        For<ProxyOptions>(ProxyOptions.Section, (_, c) => ProxyOptions.From(c).Validate()),
        For<DatabaseOptions>(DatabaseOptions.Section, o => o.Validate()),
        For<FilesOptions>(FilesOptions.Section, o => o.Validate()),
        For<VersionsOptions>(VersionsOptions.Section, o => o.Validate()),
        For<StorageOptions>(StorageOptions.Section, o => o.Validate()),
        For<S3StorageOptions>(S3StorageOptions.Section, (o, c) => StorageIsS3(c) ? o.Validate() : []),
        For<UsersOptions>(UsersOptions.Section, o => o.Validate()),
        For<FederationOptions>(FederationOptions.Section, o => o.Validate()),
        For<OutboxOptions>(OutboxOptions.Section, o => o.Validate()),
        For<SecurityOptions>(SecurityOptions.Section, o => o.Validate()),
        For<TrustOptions>(TrustOptions.Section, o => o.Validate()),
        For<SharesOptions>(SharesOptions.Section, o => o.Validate()),
        For<InvitesOptions>(InvitesOptions.Section, o => o.Validate()),
        For<RequestSharesOptions>(RequestSharesOptions.Section, o => o.Validate()),
        For<WebDavOptions>(WebDavOptions.Section, o => o.Validate()),
        For<SyncClientsOptions>(SyncClientsOptions.Section, o => o.Validate()),
        For<UiOptions>(UiOptions.Section, o => o.Validate()),
        For<Identity.Mfa.MfaOptions>(Identity.Mfa.MfaOptions.Section, o => o.Validate()),
        For<Identity.LoginFlow.LoginFlowOptions>(Identity.LoginFlow.LoginFlowOptions.Section, o => o.Validate()),
        For<OidcOptions>(OidcOptions.Section, o => o.Validate()),
        For<Identity.Ldap.LdapOptions>(Identity.Ldap.LdapOptions.Section, o => o.Validate()),
        For<LocalSignInOptions>(LocalSignInOptions.Section, (o, c) => o.Validate(
            c.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new OidcOptions(),
            c.GetSection(Identity.Ldap.LdapOptions.Section).Get<Identity.Ldap.LdapOptions>() ?? new Identity.Ldap.LdapOptions())),
    ];

    /// <summary>Throws one <see cref="OptionsValidationException"/> listing every error of every section, if there is any.</summary>
    public static void ValidateAll(IConfiguration configuration)
    {
        var errors = Sections.SelectMany(s => s.Check(configuration)).ToList();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(OcmOptions.Section, typeof(OcmOptions), errors);
        }
    }

    /// <summary>The object store's settings matter only when contents live in it.</summary>
    private static bool StorageIsS3(IConfiguration configuration) =>
        (configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions()).IsS3;

    private static SectionRules For<T>(string section, Func<T, IEnumerable<string>> validate)
        where T : class, new() => For<T>(section, (options, _) => validate(options));

    private static SectionRules For<T>(string section, Func<T, IConfiguration, IEnumerable<string>> validate)
        where T : class, new() =>
        new(section, typeof(T), configuration =>
        {
            T options;
            try
            {
                options = configuration.GetSection(section).Get<T>() ?? new T();
            }
            catch (InvalidOperationException ex) when (ex.Source == "Microsoft.Extensions.Configuration.Binder")
            {
                // "Failed to convert configuration value 'abc' at 'Ocm:Delivery:PollSeconds' to type 'System.Double'."
                return [StartupFailures.OneLine(ex.Message)];
            }

            return validate(options, configuration).ToList();
        });

    /// <summary>One section: where it is, the class it binds to, and what is wrong with it in a configuration.</summary>
    internal sealed record SectionRules(string Section, Type OptionsType, Func<IConfiguration, IReadOnlyList<string>> Check);
}
