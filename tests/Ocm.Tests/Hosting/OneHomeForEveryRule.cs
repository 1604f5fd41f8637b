using System.Reflection;
using System.Reflection.Emit;
using Ocm.Shares;

namespace Ocm.Tests.Hosting;

/// <summary>
/// Endpoints are thin: an API handler turns HTTP into a call of a service and the outcome back into HTTP, and nothing
/// else calls it. The web interface, WebDAV, the folder of received shares and the notification handlers call the
/// services (<see cref="OutgoingShares"/>, <see cref="ReceivedShares"/>, …) the API calls, so a rule has one home.
/// Checked on the compiled code: every method body of the <c>ocm</c> assembly (lambdas and async state machines
/// included) is read for calls, and a call into an <c>…Endpoints</c>/<c>…Endpoint</c> class from outside it fails the
/// test — except its <c>Map…</c> and <c>Add…</c> methods, which register routes and services.
/// </summary>
public sealed class OneHomeForEveryRule
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    [Fact]
    public void NoCodeOutsideAnEndpointClass_CallsAnEndpointMethod()
    {
        var calls = EndpointCallsFromOutside(typeof(OutgoingShares).Assembly);

        Assert.True(calls.Count == 0, "Called from outside the endpoint classes (call the service instead):\n" + string.Join('\n', calls));
    }

    [Fact]
    public void TheScan_SeesCallsInAsyncMethodsAndLambdas()
    {
        // Guards the scan: if it saw nothing, the test above would pass on nothing. SharePages calls OutgoingShares
        // from async handlers (state machines) and ShareEndpoints maps routes with lambdas and method groups.
        var sharePages = Callers(typeof(OutgoingShares).Assembly, m => m.DeclaringType == typeof(OutgoingShares) && m.Name == nameof(OutgoingShares.UpdateAsync));
        Assert.Contains("SharePages", sharePages);
        Assert.Contains("ShareEndpoints", sharePages);

        // And it reports a page that calls an endpoint method, as it would in the application.
        var found = EndpointCallsFromOutside(typeof(OneHomeForEveryRule).Assembly);
        Assert.Equal([$"{nameof(FakePage)} → {nameof(FakeEndpoints)}.{nameof(FakeEndpoints.LeaveAsync)}"], found);
    }

    private static List<string> EndpointCallsFromOutside(Assembly assembly)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (caller, callee) in Calls(assembly))
        {
            if (callee.DeclaringType!.Assembly == assembly && EndpointClassOf(callee.DeclaringType) is { } target
                && EndpointClassOf(caller.DeclaringType!) is null && !IsRegistration(callee))
            {
                found.Add($"{Owner(caller.DeclaringType!).Name} → {target.Name}.{callee.Name}");
            }
        }

        return [.. found];
    }

    /// <summary><c>MapX()</c> and <c>AddOcmX()</c>: they register routes and services, they handle no request.</summary>
    private static bool IsRegistration(MethodBase method) =>
        method.Name.StartsWith("Map", StringComparison.Ordinal) || method.Name.StartsWith("Add", StringComparison.Ordinal);

    private static HashSet<string> Callers(Assembly assembly, Func<MethodBase, bool> callee) =>
        [.. Calls(assembly).Where(c => callee(c.Callee)).Select(c => Owner(c.Caller.DeclaringType!).Name)];

    /// <summary>The <c>…Endpoints</c> or <c>…Endpoint</c> class <paramref name="type"/> is or is nested in, or null.</summary>
    private static Type? EndpointClassOf(Type type)
    {
        for (Type? candidate = type; candidate is not null; candidate = candidate.DeclaringType)
        {
            if (candidate.Name.EndsWith("Endpoints", StringComparison.Ordinal) || candidate.Name.EndsWith("Endpoint", StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The type whose code <paramref name="type"/> holds: itself, or for a lambda's closure or an async state machine, the type it was written in.</summary>
    private static Type Owner(Type type)
    {
        while (type.Name.StartsWith('<') && type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }

    /// <summary>Every method called, constructed or taken as a delegate by every method body of <paramref name="assembly"/>.</summary>
    private static IEnumerable<(MethodBase Caller, MethodBase Callee)> Calls(Assembly assembly)
    {
        const BindingFlags declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(declared).Cast<MethodBase>().Concat(type.GetConstructors(declared)))
            {
                foreach (var callee in Callees(method))
                {
                    yield return (method, callee);
                }
            }
        }
    }

    /// <summary>Reads the IL of <paramref name="method"/> (ECMA-335 §III) for the method tokens of call, callvirt, newobj, ldftn and ldvirtftn.</summary>
    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            var code = il[at] == 0xFE ? unchecked((short)(0xFE00 | il[at + 1])) : il[at];
            var opCode = OpCodesByValue[code];
            at += opCode.Size;
            if (opCode.OperandType == OperandType.InlineMethod)
            {
                MethodBase? callee = null;
                try
                {
                    callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                }
                catch (ArgumentException)
                {
                    // A token that needs a generic context we do not have: not a call into our endpoint classes.
                }

                if (callee?.DeclaringType is not null)
                {
                    yield return callee;
                }
            }

            at += opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
                _ => 4,
            };
        }
    }

    private static class FakeEndpoints
    {
        public static Task<int> LeaveAsync(long id) => Task.FromResult((int)id);

        public static void MapFake()
        {
        }
    }

    private static class FakePage
    {
        public static async Task<bool> LeaveAsync(long id)
        {
            FakeEndpoints.MapFake();
            return await FakeEndpoints.LeaveAsync(id) == 204;
        }
    }
}
