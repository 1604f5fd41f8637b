namespace Ocm.WebDav;

/// <summary>
/// The WebDAV <c>If</c> request header (RFC 4918 §10.4): lists of conditions on lock tokens and entity tags, either all
/// untagged (about the request URI) or each tagged with the resource it is about.
/// <code>
/// If = ( 1*No-tag-list ) / ( 1*Tagged-list )
/// Tagged-list = Resource-Tag 1*List      Resource-Tag = "&lt;" Simple-ref "&gt;"
/// List = "(" 1*Condition ")"             Condition = ["Not"] ( State-token / "[" entity-tag "]" )
/// State-token = Coded-URL = "&lt;" absolute-URI "&gt;"
/// </code>
/// </summary>
internal sealed class IfHeader
{
    private IfHeader(IReadOnlyList<IfList> lists) => Lists = lists;

    public IReadOnlyList<IfList> Lists { get; }

    /// <summary>Every lock token that appears positively: these are the tokens the request submits (RFC 4918 §10.4.1).</summary>
    public IEnumerable<string> SubmittedTokens =>
        Lists.SelectMany(l => l.Conditions).Where(c => !c.Not && c.StateToken is not null).Select(c => c.StateToken!).Distinct(StringComparer.Ordinal);

    /// <summary>Whether a condition is about an entity tag, i.e. about the resource's current version.</summary>
    public bool HasEntityTags => Lists.Any(l => l.Conditions.Any(c => c.ETag is not null));

    /// <summary>The resource tags, for looking their state up before <see cref="Evaluate"/>.</summary>
    public IEnumerable<string> ResourceTags => Lists.Where(l => l.ResourceTag is not null).Select(l => l.ResourceTag!).Distinct(StringComparer.Ordinal);

    /// <summary>
    /// True when at least one list holds: every condition in it matches the state of its resource (the request URI for
    /// an untagged list). <paramref name="stateOf"/> gets the resource tag (null for the request URI).
    /// </summary>
    public bool Evaluate(Func<string?, ResourceState> stateOf)
    {
        foreach (var list in Lists)
        {
            var state = stateOf(list.ResourceTag);
            if (list.Conditions.All(c => c.Matches(state) != c.Not))
            {
                return true;
            }
        }

        return false;
    }

    public static bool TryParse(string? value, out IfHeader? header)
    {
        header = null;
        if (string.IsNullOrWhiteSpace(value) || value.Length > 16 * 1024)
        {
            return false;
        }

        var lists = new List<IfList>();
        var position = 0;
        bool? tagged = null;
        string? currentTag = null;
        while (true)
        {
            SkipSpace(value, ref position);
            if (position >= value.Length)
            {
                break;
            }

            if (value[position] == '<')
            {
                if (tagged == false || !TryReadDelimited(value, ref position, '<', '>', out var tag) || tag.Length == 0)
                {
                    return false;
                }

                tagged = true;
                currentTag = tag;
                SkipSpace(value, ref position);
                if (position >= value.Length || value[position] != '(')
                {
                    return false; // a resource tag needs at least one list
                }

                continue;
            }

            if (value[position] != '(')
            {
                return false;
            }

            if (tagged is null)
            {
                tagged = false;
            }

            position++;
            var conditions = new List<IfCondition>();
            while (true)
            {
                SkipSpace(value, ref position);
                if (position >= value.Length)
                {
                    return false;
                }

                if (value[position] == ')')
                {
                    position++;
                    break;
                }

                var not = false;
                if (string.Compare(value, position, "Not", 0, 3, StringComparison.OrdinalIgnoreCase) == 0)
                {
                    not = true;
                    position += 3;
                    SkipSpace(value, ref position);
                    if (position >= value.Length)
                    {
                        return false;
                    }
                }

                if (value[position] == '<')
                {
                    if (!TryReadDelimited(value, ref position, '<', '>', out var token) || token.Length == 0)
                    {
                        return false;
                    }

                    conditions.Add(new IfCondition(not, token, null));
                }
                else if (value[position] == '[')
                {
                    if (!TryReadDelimited(value, ref position, '[', ']', out var etag) || etag.Length == 0)
                    {
                        return false;
                    }

                    conditions.Add(new IfCondition(not, null, etag));
                }
                else
                {
                    return false;
                }
            }

            if (conditions.Count == 0)
            {
                return false;
            }

            lists.Add(new IfList(tagged == true ? currentTag : null, conditions));
        }

        if (lists.Count == 0)
        {
            return false;
        }

        header = new IfHeader(lists);
        return true;
    }

    private static void SkipSpace(string value, ref int position)
    {
        while (position < value.Length && value[position] is ' ' or '\t' or '\r' or '\n')
        {
            position++;
        }
    }

    private static bool TryReadDelimited(string value, ref int position, char open, char close, out string content)
    {
        content = "";
        if (value[position] != open)
        {
            return false;
        }

        var end = value.IndexOf(close, position + 1);
        if (end < 0)
        {
            return false;
        }

        content = value[(position + 1)..end].Trim();
        position = end + 1;
        return true;
    }
}

internal sealed record IfList(string? ResourceTag, IReadOnlyList<IfCondition> Conditions);

internal sealed record IfCondition(bool Not, string? StateToken, string? ETag)
{
    /// <summary>
    /// A state token matches a lock covering the resource; an entity tag matches the resource's by weak comparison (RFC
    /// 4918 §10.4.4 allows either; our tags are strong, and clients sometimes mark the one they send weak). What is not
    /// an entity tag (unquoted) matches nothing.
    /// </summary>
    public bool Matches(ResourceState state) =>
        StateToken is not null
            ? state.LockTokens.Contains(StateToken)
            : state.ETag is not null && EntityTag.TryParse(state.ETag, out var current) && EntityTag.TryParse(ETag, out var wanted)
                && current.WeakEquals(wanted);
}

/// <summary>What an <c>If</c> condition is matched against: the resource's quoted ETag (null when it does not exist) and the tokens of the locks covering it.</summary>
internal sealed record ResourceState(string? ETag, IReadOnlySet<string> LockTokens)
{
    public static readonly ResourceState Unknown = new(null, new HashSet<string>());
}
