using Ocm.Hosting;

return await OcmCommandLine.Create().Parse(args).InvokeAsync();
