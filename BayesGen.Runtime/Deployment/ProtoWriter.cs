using System.Text;

namespace BayesGen.Deployment;

/// <summary>
/// A minimal protocol-buffers writer: enough of the wire format (varints, length-delimited fields, fixed
/// 32-bit floats) to write ONNX models without a protobuf library or a Python toolchain.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream stream = new();

    public byte[] ToArray() => stream.ToArray();

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        stream.WriteByte((byte)value);
    }

    private void Key(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    /// <summary>An integer field (int32, int64, enum): wire type 0; negative values take ten bytes, as protobuf requires.</summary>
    public ProtoWriter Int(int field, long value)
    {
        Key(field, 0);
        Varint(unchecked((ulong)value));
        return this;
    }

    /// <summary>A float field: wire type 5.</summary>
    public ProtoWriter Float(int field, float value)
    {
        Key(field, 5);
        Span<byte> bytes = stackalloc byte[4];
        BitConverter.TryWriteBytes(bytes, value);
        if (!BitConverter.IsLittleEndian) bytes.Reverse();
        stream.Write(bytes);
        return this;
    }

    /// <summary>A bytes field: wire type 2.</summary>
    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Key(field, 2);
        Varint((ulong)value.Length);
        stream.Write(value);
        return this;
    }

    /// <summary>A string field (UTF-8).</summary>
    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>An embedded message field.</summary>
    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    /// <summary>A repeated integer field, one entry per value (the unpacked form every parser accepts).</summary>
    public ProtoWriter Ints(int field, IEnumerable<long> values)
    {
        foreach (var v in values) Int(field, v);
        return this;
    }
}
