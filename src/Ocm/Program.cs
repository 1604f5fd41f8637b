using System.CommandLine;
using Ocm.Hosting;

// Response files are off: '@' starts RFC 9421 component names ("@method") that `ocm sig` takes as arguments.
return await OcmCommandLine.Create().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null }).InvokeAsync();
