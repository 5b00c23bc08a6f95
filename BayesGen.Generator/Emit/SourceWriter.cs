using System;
using System.Text;

namespace BayesGen.Generator.Emit;

/// <summary>A small indented text writer: the emitters build source line by line, never through SyntaxFactory.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder builder = new();
    private int depth;

    public void Line(string text = "")
    {
        if (text.Length > 0) builder.Append(' ', depth * 4).Append(text);
        builder.Append('\n');
    }

    /// <summary>Writes several lines (split on newlines), each at the current indentation.</summary>
    public void Lines(string text)
    {
        foreach (var line in text.Replace("\r\n", "\n").Split('\n')) Line(line.TrimEnd());
    }

    public void Open(string header)
    {
        Line(header);
        Line("{");
        depth++;
    }

    public void Close(string suffix = "")
    {
        depth--;
        Line("}" + suffix);
    }

    /// <summary>A /// summary comment; the text is XML-escaped.</summary>
    public void Summary(string text)
    {
        Line("/// <summary>");
        foreach (var line in text.Split('\n')) Line("/// " + Escape(line));
        Line("/// </summary>");
    }

    public static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    public override string ToString() => builder.ToString();
}
