using System.Globalization;
using System.Text;

namespace Loom.Text.Templates;

/// <summary>
/// Splits a Jinja template into text and tag tokens. Whitespace control is resolved here, the way Jinja does it:
/// <c>{%-</c>/<c>{{-</c>/<c>{#-</c> strip the whitespace before the tag, <c>-%}</c>/<c>-}}</c>/<c>-#}</c> strip it
/// after; with trim_blocks the first newline after a block or comment tag is dropped, and with lstrip_blocks the
/// spaces and tabs from the start of a line up to a block or comment tag are dropped (<c>{%+</c> and <c>+%}</c>
/// opt out). Hugging Face renders chat templates with both options on, so they are the defaults.
/// </summary>
internal sealed class TemplateLexer
{
    private readonly string source;
    private readonly bool trimBlocks;
    private readonly bool lstripBlocks;
    private readonly List<TemplateToken> tokens = new();
    private readonly List<int> lineStarts;
    private int pos;

    private TemplateLexer(string source, bool trimBlocks, bool lstripBlocks)
    {
        this.source = source;
        this.trimBlocks = trimBlocks;
        this.lstripBlocks = lstripBlocks;
        lineStarts = LineStarts(source);
    }

    public static List<TemplateToken> Tokenize(string source, bool trimBlocks = true, bool lstripBlocks = true)
    {
        // Jinja drops one newline at the very end of a template (keep_trailing_newline=False, which HF keeps).
        if (source.EndsWith("\r\n", StringComparison.Ordinal)) source = source[..^2];
        else if (source.EndsWith('\n')) source = source[..^1];
        var lexer = new TemplateLexer(source, trimBlocks, lstripBlocks);
        lexer.Run();
        return lexer.tokens;
    }

    private void Run()
    {
        while (pos < source.Length)
        {
            int textStart = pos;
            int tag = FindTagStart(pos);
            int textEnd = tag < 0 ? source.Length : tag;
            if (tag < 0)
            {
                AddText(textStart, textEnd);
                pos = source.Length;
                break;
            }
            char kind = source[tag + 1];
            char modifier = tag + 2 < source.Length ? source[tag + 2] : '\0';
            bool blockLike = kind is '%' or '#';
            if (modifier == '-')
                while (textEnd > textStart && char.IsWhiteSpace(source[textEnd - 1])) textEnd--;
            else if (lstripBlocks && blockLike && modifier != '+')
                textEnd = LstripEnd(textStart, textEnd);
            AddText(textStart, textEnd);

            int bodyStart = tag + 2 + (modifier is '-' or '+' ? 1 : 0);
            var (line, column) = Position(tag);
            bool rawBlock = false;
            if (kind == '#')
            {
                int close = source.IndexOf("#}", bodyStart, StringComparison.Ordinal);
                if (close < 0) throw TemplateError.At(line, column, "comment", "'{#' is never closed by '#}'");
                bool trimAfter = close > bodyStart && source[close - 1] == '-';
                pos = close + 2;
                AfterTag(trimAfter, close > bodyStart && source[close - 1] == '+', blockLike: true);
                continue;
            }
            string close2 = kind == '{' ? "}}" : "%}";
            tokens.Add(new(kind == '{' ? TemplateTokenKind.VariableBegin : TemplateTokenKind.BlockBegin,
                kind == '{' ? "{{" : "{%", line, column));
            pos = bodyStart;
            if (kind == '%' && IsRawTag(bodyStart)) rawBlock = true;
            LexExpression(close2, line, column);
            // pos now sits on the closing delimiter (possibly preceded by '-' or '+', consumed by LexExpression)
            bool trimClose = source[pos - 1] == '-' && pos - 1 >= bodyStart && closeHadModifier;
            bool plusClose = source[pos - 1] == '+' && closeHadModifier;
            var (cl, cc) = Position(pos);
            tokens.Add(new(kind == '{' ? TemplateTokenKind.VariableEnd : TemplateTokenKind.BlockEnd, close2, cl, cc));
            pos += 2;
            AfterTag(trimClose, plusClose, blockLike);
            if (rawBlock) LexRawBody();
        }
        var (el, ec) = Position(source.Length);
        tokens.Add(new(TemplateTokenKind.End, "", el, ec));
    }

    private bool closeHadModifier;

    private int FindTagStart(int from)
    {
        for (int i = from; i + 1 < source.Length; i++)
            if (source[i] == '{' && source[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    // lstrip_blocks: drop spaces/tabs before the tag when nothing else precedes it on its line.
    private int LstripEnd(int textStart, int textEnd)
    {
        int i = textEnd;
        while (i > textStart && source[i - 1] is ' ' or '\t') i--;
        bool lineStart = i == 0 || source[i - 1] == '\n';
        return lineStart ? i : textEnd;
    }

    private void AfterTag(bool trimAfter, bool plus, bool blockLike)
    {
        if (trimAfter)
        {
            while (pos < source.Length && char.IsWhiteSpace(source[pos])) pos++;
        }
        else if (trimBlocks && blockLike && !plus)
        {
            if (pos < source.Length && source[pos] == '\n') pos++;
            else if (pos + 1 < source.Length && source[pos] == '\r' && source[pos + 1] == '\n') pos += 2;
        }
    }

    private void AddText(int start, int end)
    {
        if (end <= start) return;
        var (line, column) = Position(start);
        tokens.Add(new(TemplateTokenKind.Text, source[start..end], line, column));
    }

    private bool IsRawTag(int bodyStart)
    {
        int i = bodyStart;
        while (i < source.Length && char.IsWhiteSpace(source[i])) i++;
        return string.CompareOrdinal(source, i, "raw", 0, 3) == 0
               && (i + 3 >= source.Length || !char.IsLetterOrDigit(source[i + 3]) && source[i + 3] != '_');
    }

    // {% raw %}…{% endraw %}: the body is text, tags and all.
    private void LexRawBody()
    {
        int start = pos;
        for (int i = pos; i + 1 < source.Length; i++)
        {
            if (source[i] != '{' || source[i + 1] != '%') continue;
            int j = i + 2;
            if (j < source.Length && source[j] is '-' or '+') j++;
            while (j < source.Length && char.IsWhiteSpace(source[j])) j++;
            if (string.CompareOrdinal(source, j, "endraw", 0, 6) != 0) continue;
            int end = i;
            if (source[i + 2] == '-') while (end > start && char.IsWhiteSpace(source[end - 1])) end--;
            AddText(start, end);
            pos = i;
            return;
        }
        var (line, column) = Position(start);
        throw TemplateError.At(line, column, "raw", "'{% raw %}' is never closed by '{% endraw %}'");
    }

    private static readonly string[] Operators =
        { "//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|" };

    private void LexExpression(string close, int tagLine, int tagColumn)
    {
        int depth = 0;
        while (true)
        {
            while (pos < source.Length && char.IsWhiteSpace(source[pos])) pos++;
            if (pos >= source.Length)
                throw TemplateError.At(tagLine, tagColumn, close == "}}" ? "expression" : "statement",
                    $"tag is never closed by '{close}'");
            // A closing delimiter, optionally with its whitespace modifier, ends the tag (only outside brackets,
            // so a dict literal's '}' inside '{{ {...} }}' is not mistaken for the end).
            closeHadModifier = false;
            if (depth == 0 && source[pos] is '-' or '+' && string.CompareOrdinal(source, pos + 1, close, 0, 2) == 0)
            {
                pos++;
                closeHadModifier = true;
                return;
            }
            if (depth == 0 && string.CompareOrdinal(source, pos, close, 0, 2) == 0) return;

            var (line, column) = Position(pos);
            char c = source[pos];
            if (char.IsLetter(c) || c == '_')
            {
                int start = pos;
                while (pos < source.Length && (char.IsLetterOrDigit(source[pos]) || source[pos] == '_')) pos++;
                tokens.Add(new(TemplateTokenKind.Name, source[start..pos], line, column));
            }
            else if (char.IsAsciiDigit(c))
            {
                LexNumber(line, column);
            }
            else if (c is '\'' or '"')
            {
                tokens.Add(new(TemplateTokenKind.String, LexString(c, line, column), line, column));
            }
            else
            {
                string? op = null;
                foreach (var candidate in Operators)
                    if (string.CompareOrdinal(source, pos, candidate, 0, candidate.Length) == 0) { op = candidate; break; }
                if (op is null) throw TemplateError.At(line, column, "expression", $"unexpected character '{c}'");
                if (op is "(" or "[" or "{") depth++;
                else if (op is ")" or "]" or "}") depth = Math.Max(0, depth - 1);
                pos += op.Length;
                tokens.Add(new(TemplateTokenKind.Operator, op, line, column));
            }
        }
    }

    private void LexNumber(int line, int column)
    {
        int start = pos;
        while (pos < source.Length && (char.IsAsciiDigit(source[pos]) || source[pos] == '_')) pos++;
        bool isFloat = false;
        if (pos + 1 < source.Length && source[pos] == '.' && char.IsAsciiDigit(source[pos + 1]))
        {
            isFloat = true;
            pos++;
            while (pos < source.Length && char.IsAsciiDigit(source[pos])) pos++;
        }
        if (pos < source.Length && source[pos] is 'e' or 'E')
        {
            int save = pos;
            pos++;
            if (pos < source.Length && source[pos] is '+' or '-') pos++;
            if (pos < source.Length && char.IsAsciiDigit(source[pos]))
            {
                isFloat = true;
                while (pos < source.Length && char.IsAsciiDigit(source[pos])) pos++;
            }
            else pos = save;
        }
        string text = source[start..pos].Replace("_", "");
        tokens.Add(new(isFloat ? TemplateTokenKind.Float : TemplateTokenKind.Integer, text, line, column));
    }

    private string LexString(char quote, int line, int column)
    {
        var sb = new StringBuilder();
        pos++;
        while (true)
        {
            if (pos >= source.Length) throw TemplateError.At(line, column, "string literal", "the string is never closed");
            char c = source[pos++];
            if (c == quote) return sb.ToString();
            if (c != '\\') { sb.Append(c); continue; }
            if (pos >= source.Length) continue;
            char e = source[pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '0': sb.Append('\0'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'u' when pos + 4 <= source.Length:
                    sb.Append((char)int.Parse(source.AsSpan(pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    pos += 4;
                    break;
                case 'x' when pos + 2 <= source.Length:
                    sb.Append((char)int.Parse(source.AsSpan(pos, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    pos += 2;
                    break;
                default: sb.Append('\\').Append(e); break; // Python keeps unknown escapes as written
            }
        }
    }

    private (int Line, int Column) Position(int index)
    {
        // lineStarts[k] is where line k+1 begins; the line of an index is the last start at or before it.
        int k = lineStarts.BinarySearch(index);
        if (k < 0) k = ~k - 1;
        return (k + 1, index - lineStarts[k] + 1);
    }

    private static List<int> LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n') starts.Add(i + 1);
        return starts;
    }
}
