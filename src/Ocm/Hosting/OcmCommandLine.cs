using System.CommandLine;
using Ocm.Federation;
using Ocm.Invites;
using Ocm.Users;

namespace Ocm.Hosting;

/// <summary>The `ocm` command tree. Each feature contributes its own commands.</summary>
internal static class OcmCommandLine
{
    public static RootCommand Create()
    {
        var root = new RootCommand("ocm: a self-hostable Open Cloud Mesh sync & share server and its operator's command line.")
        {
            ServeCommand.Create(),
            DiscoverCommand.Create(),
            Doctor.DoctorCommand.Create(),
            UserCommands.Create(),
            Identity.Groups.GroupCommands.Create(),
            Identity.Ldap.LdapCommands.Create(),
            Signatures.KeyCommands.Create(),
            Signatures.SigCommands.Create(),
            Shares.ShareCommands.CreateShare(),
            Shares.ShareCommands.CreateReceived(),
            RequestShares.ShareRequestCommands.Create(),
            InviteCommands.Create(),
            DirectoryCommands.Create(),
            Identity.Mfa.MfaCommands.Create(),
            Files.StorageCommands.Create(),
        };
        return root;
    }
}
