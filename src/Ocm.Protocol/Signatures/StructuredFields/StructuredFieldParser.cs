using System.Globalization;
using System.Text;

namespace Ocm.Protocol.Signatures.StructuredFields;

/// <summary>
/// The parsing algorithms of RFC 9651 §4.2, step by step. Every failure throws a
/// <see cref="StructuredFieldException"/> naming the rule and the character position.
/// </summary>
internal struct StructuredFieldParser
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string _input;
    private int _pos;

    public StructuredFieldParser(string input)
    {
        _input = input;
        _pos = 0;
    }

    private readonly bool AtEnd => _pos >= _input.Length;

    private readonly char Peek => _input[_pos];

    // RFC 9651 §4.2: discard leading SP, parse, discard leading SP, fail on any remaining input.
    public static SfList ParseList(string input)
    {
        var parser = new StructuredFieldParser(input);
        parser.SkipSp();
        var list = parser.ReadList();
        parser.Finish();
        return list;
    }

    public static SfDictionary ParseDictionary(string input)
    {
        var parser = new StructuredFieldParser(input);
        parser.SkipSp();
        var dictionary = parser.ReadDictionary();
        parser.Finish();
        return dictionary;
    }

    public static SfItem ParseItem(string input)
    {
        var parser = new StructuredFieldParser(input);
        parser.SkipSp();
        var item = parser.ReadItem();
        parser.Finish();
        return item;
    }

    private void Finish()
    {
        SkipSp();
        if (!AtEnd)
        {
            throw Error($"unexpected '{Printable(Peek)}' after the end of the field value");
        }
    }

    // §4.2.1
    private SfList ReadList()
    {
        var list = new SfList();
        while (!AtEnd)
        {
            list.Add(ReadItemOrInnerList());
            SkipOws();
            if (AtEnd)
            {
                return list;
            }

            if (_input[_pos++] != ',')
            {
                throw Error("expected ',' between list members", _pos - 1);
            }

            SkipOws();
            if (AtEnd)
            {
                throw Error("trailing ',' at the end of a list");
            }
        }

        return list;
    }

    // §4.2.1.1
    private SfMember ReadItemOrInnerList() => !AtEnd && Peek == '(' ? ReadInnerList() : ReadItem();

    // §4.2.1.2
    private SfInnerList ReadInnerList()
    {
        _pos++; // '('
        var items = new List<SfItem>();
        while (!AtEnd)
        {
            SkipSp();
            if (AtEnd)
            {
                break;
            }

            if (Peek == ')')
            {
                _pos++;
                return new SfInnerList(items, ReadParameters());
            }

            items.Add(ReadItem());
            if (AtEnd)
            {
                break;
            }

            if (Peek is not ' ' and not ')')
            {
                throw Error($"expected SP or ')' after an inner-list item, found '{Printable(Peek)}'");
            }
        }

        throw Error("inner list is not closed with ')'");
    }

    // §4.2.2
    private SfDictionary ReadDictionary()
    {
        var dictionary = new SfDictionary();
        while (!AtEnd)
        {
            var key = ReadKey();
            SfMember member;
            if (!AtEnd && Peek == '=')
            {
                _pos++;
                member = ReadItemOrInnerList();
            }
            else
            {
                member = new SfItem(SfBareItem.FromBoolean(true), ReadParameters());
            }

            dictionary.SetUnchecked(key, member);
            SkipOws();
            if (AtEnd)
            {
                return dictionary;
            }

            if (_input[_pos++] != ',')
            {
                throw Error("expected ',' between dictionary members", _pos - 1);
            }

            SkipOws();
            if (AtEnd)
            {
                throw Error("trailing ',' at the end of a dictionary");
            }
        }

        return dictionary;
    }

    // §4.2.3
    private SfItem ReadItem()
    {
        var bare = ReadBareItem();
        return new SfItem(bare, ReadParameters());
    }

    // §4.2.3.1
    private SfBareItem ReadBareItem()
    {
        if (AtEnd)
        {
            throw Error("expected an item, found the end of the input");
        }

        var c = Peek;
        if (c == '-' || SfChars.IsDigit(c))
        {
            return ReadIntegerOrDecimal();
        }

        return c switch
        {
            '"' => ReadString(),
            ':' => ReadByteSequence(),
            '?' => ReadBoolean(),
            '@' => ReadDate(),
            '%' => ReadDisplayString(),
            _ when c == '*' || SfChars.IsAlpha(c) => ReadToken(),
            _ => throw Error($"'{Printable(c)}' cannot start an item"),
        };
    }

    // §4.2.3.2
    private SfParameters ReadParameters()
    {
        var parameters = new SfParameters();
        while (!AtEnd && Peek == ';')
        {
            _pos++;
            SkipSp();
            var key = ReadKey();
            var value = SfBareItem.FromBoolean(true);
            if (!AtEnd && Peek == '=')
            {
                _pos++;
                value = ReadBareItem();
            }

            parameters.SetUnchecked(key, value);
        }

        return parameters;
    }

    // §4.2.3.3
    private string ReadKey()
    {
        if (AtEnd || !(SfChars.IsLcAlpha(Peek) || Peek == '*'))
        {
            throw Error(AtEnd ? "expected a key, found the end of the input" : $"a key must start with a lowercase letter or '*', found '{Printable(Peek)}'");
        }

        var start = _pos;
        while (!AtEnd && SfChars.IsKeyChar(Peek))
        {
            _pos++;
        }

        return _input[start.._pos];
    }

    // §4.2.4
    private SfBareItem ReadIntegerOrDecimal()
    {
        var start = _pos;
        var isDecimal = false;
        var negative = false;
        if (Peek == '-')
        {
            negative = true;
            _pos++;
        }

        if (AtEnd)
        {
            throw Error("expected a digit after '-'");
        }

        if (!SfChars.IsDigit(Peek))
        {
            throw Error($"expected a digit, found '{Printable(Peek)}'");
        }

        var digitsStart = _pos;
        var dot = -1;
        while (!AtEnd)
        {
            var c = Peek;
            if (SfChars.IsDigit(c))
            {
                _pos++;
            }
            else if (!isDecimal && c == '.')
            {
                if (_pos - digitsStart > 12)
                {
                    throw Error("a decimal may have at most 12 integer digits");
                }

                isDecimal = true;
                dot = _pos;
                _pos++;
            }
            else
            {
                break;
            }

            var length = _pos - digitsStart;
            if (!isDecimal && length > 15)
            {
                throw Error("an integer may have at most 15 digits", start);
            }

            if (isDecimal && length > 16)
            {
                throw Error("a decimal may have at most 16 characters", start);
            }
        }

        if (!isDecimal)
        {
            var value = long.Parse(_input.AsSpan(digitsStart, _pos - digitsStart), NumberStyles.None, CultureInfo.InvariantCulture);
            return SfBareItem.IntegerNoCheck(negative ? -value : value);
        }

        if (dot == _pos - 1)
        {
            throw Error("a decimal must not end with '.'");
        }

        if (_pos - dot - 1 > 3)
        {
            throw Error("a decimal may have at most 3 fractional digits");
        }

        var dec = decimal.Parse(_input.AsSpan(digitsStart, _pos - digitsStart), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        return SfBareItem.DecimalNoCheck(negative ? -dec : dec);
    }

    // §4.2.5
    private SfBareItem ReadString()
    {
        var start = _pos;
        _pos++; // '"'
        StringBuilder? escaped = null;
        var runStart = _pos;
        while (!AtEnd)
        {
            var c = _input[_pos++];
            if (c == '\\')
            {
                if (AtEnd)
                {
                    throw Error("a string must not end with '\\'");
                }

                var next = _input[_pos++];
                if (next is not '"' and not '\\')
                {
                    throw Error($"invalid escape '\\{Printable(next)}' in a string (only \\\" and \\\\ are allowed)", _pos - 2);
                }

                escaped ??= new StringBuilder();
                escaped.Append(_input, runStart, _pos - 2 - runStart).Append(next);
                runStart = _pos;
            }
            else if (c == '"')
            {
                var tail = _input.AsSpan(runStart, _pos - 1 - runStart);
                return SfBareItem.StringNoCheck(escaped is null ? tail.ToString() : escaped.Append(tail).ToString());
            }
            else if (c is < ' ' or > '~')
            {
                throw Error($"character 0x{(int)c:x2} is not allowed in a string", _pos - 1);
            }
        }

        throw Error("string is not closed with '\"'", start);
    }

    // §4.2.6
    private SfBareItem ReadToken()
    {
        var start = _pos;
        _pos++;
        while (!AtEnd && SfChars.IsTokenChar(Peek))
        {
            _pos++;
        }

        return SfBareItem.TokenNoCheck(_input[start.._pos]);
    }

    // §4.2.7
    private SfBareItem ReadByteSequence()
    {
        var start = _pos;
        _pos++; // ':'
        var end = _input.IndexOf(':', _pos);
        if (end < 0)
        {
            throw Error("byte sequence is not closed with ':'", start);
        }

        var content = _input.AsSpan(_pos, end - _pos);
        if (!Base64Lenient.TryDecode(content, out var bytes, out var problem))
        {
            throw Error($"invalid base64 in a byte sequence: {problem}", _pos);
        }

        _pos = end + 1;
        return SfBareItem.ByteSequenceNoCopy(bytes);
    }

    // §4.2.8
    private SfBareItem ReadBoolean()
    {
        _pos++; // '?'
        if (!AtEnd)
        {
            var c = _input[_pos++];
            if (c == '1')
            {
                return SfBareItem.FromBoolean(true);
            }

            if (c == '0')
            {
                return SfBareItem.FromBoolean(false);
            }
        }

        throw Error("a boolean must be ?1 or ?0", _pos - 1);
    }

    // RFC 9651 §4.2.9
    private SfBareItem ReadDate()
    {
        var start = _pos;
        _pos++; // '@'
        if (AtEnd)
        {
            throw Error("expected an integer after '@'");
        }

        var number = ReadIntegerOrDecimal();
        return number.Type == SfBareItemType.Integer
            ? SfBareItem.DateNoCheck(number.RawInteger)
            : throw Error("a date must be an integer", start);
    }

    // RFC 9651 §4.2.10
    private SfBareItem ReadDisplayString()
    {
        var start = _pos;
        _pos++; // '%'
        if (AtEnd || Peek != '"')
        {
            throw Error("a display string must start with %\"", start);
        }

        _pos++;
        var bytes = new List<byte>();
        while (!AtEnd)
        {
            var c = _input[_pos++];
            if (c is < ' ' or > '~')
            {
                throw Error($"character 0x{(int)c:x2} is not allowed in a display string", _pos - 1);
            }

            if (c == '%')
            {
                if (_pos + 2 > _input.Length || !IsLowerHex(_input[_pos]) || !IsLowerHex(_input[_pos + 1]))
                {
                    throw Error("'%' in a display string must be followed by two lowercase hex digits", _pos - 1);
                }

                bytes.Add((byte)((HexValue(_input[_pos]) << 4) | HexValue(_input[_pos + 1])));
                _pos += 2;
            }
            else if (c == '"')
            {
                try
                {
                    return SfBareItem.DisplayStringNoCheck(StrictUtf8.GetString(bytes.ToArray()));
                }
                catch (DecoderFallbackException)
                {
                    throw Error("display string is not valid UTF-8", start);
                }
            }
            else
            {
                bytes.Add((byte)c);
            }
        }

        throw Error("display string is not closed with '\"'", start);
    }

    private static bool IsLowerHex(char c) => SfChars.IsDigit(c) || c is >= 'a' and <= 'f';

    private static int HexValue(char c) => c <= '9' ? c - '0' : c - 'a' + 10;

    private void SkipSp()
    {
        while (!AtEnd && Peek == ' ')
        {
            _pos++;
        }
    }

    private void SkipOws()
    {
        while (!AtEnd && Peek is ' ' or '\t')
        {
            _pos++;
        }
    }

    private static string Printable(char c) => c is >= ' ' and <= '~' ? c.ToString() : $"0x{(int)c:x2}";

    private readonly StructuredFieldException Error(string message) => new(message, _pos);

    private static StructuredFieldException Error(string message, int position) => new(message, position);
}
