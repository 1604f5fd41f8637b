using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Ocm.Ui;

/// <summary>
/// Stores the Data Protection key ring (it encrypts session cookies, anti-forgery tokens and flash messages) in
/// <c>{DataDir}/keys/dataprotection</c>: the folder 0700, every key file 0600 from the moment it exists, written to a
/// temporary file and renamed so a reader never sees half a key. The framework's file-system repository would use the
/// process umask (often world-readable) and, unconfigured, the home folder.
/// </summary>
internal sealed class PrivateKeyRepository(string directory) : IXmlRepository
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Directory { get; } = directory;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var elements = new List<XElement>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.xml"))
        {
            using var stream = File.OpenRead(file);
            elements.Add(XElement.Load(stream));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        EnsureDirectory();
        var name = IsSafeName(friendlyName) ? friendlyName : Guid.NewGuid().ToString();
        var target = Path.Combine(Directory, name + ".xml");
        var temp = Path.Combine(Directory, Guid.NewGuid().ToString("N") + ".tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        using (var stream = new FileStream(temp, options))
        {
            element.Save(stream);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, target, overwrite: false);
    }

    private void EnsureDirectory()
    {
        var parent = Path.GetDirectoryName(Directory)!;
        foreach (var folder in new[] { parent, Directory })
        {
            if (System.IO.Directory.Exists(folder))
            {
                continue;
            }

            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(folder);
            }
            else
            {
                System.IO.Directory.CreateDirectory(folder, PrivateFolder);
            }
        }
    }

    private static bool IsSafeName(string name) =>
        name.Length is > 0 and <= 100 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
