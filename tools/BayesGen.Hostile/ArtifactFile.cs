using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using System.Text.Json.Nodes;

namespace BayesGen.Hostile;

/// <summary>
/// An artifact split into its parts (preamble, manifest JSON, payload) so that edits can be made to one part and the
/// file sealed again with a correct CRC-32: the edits a careful forger or a buggy tool would make, which the
/// checksum cannot catch and only validation can.
/// </summary>
public sealed class ArtifactFile
{
    private const int Preamble = 16;

    private ArtifactFile(byte[] header, JsonNode manifest, byte[] payload)
    {
        Header = header;
        Manifest = manifest;
        Payload = payload;
    }

    /// <summary>Magic, version and reserved bytes (the first 12).</summary>
    public byte[] Header { get; }

    /// <summary>The manifest, editable.</summary>
    public JsonNode Manifest { get; set; }

    /// <summary>The bytes between the manifest and the checksum.</summary>
    public byte[] Payload { get; set; }

    /// <summary>Splits a valid artifact.</summary>
    public static ArtifactFile Parse(byte[] bytes)
    {
        int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        var manifest = JsonNode.Parse(bytes.AsSpan(Preamble, length)) ?? throw new InvalidDataException("empty manifest");
        var payload = bytes.AsSpan(Preamble + length, bytes.Length - Preamble - length - 4).ToArray();
        return new ArtifactFile(bytes[..12], manifest, payload);
    }

    /// <summary>The file with its manifest length and checksum recomputed.</summary>
    public byte[] Seal() => Seal(Encoding.UTF8.GetBytes(Manifest.ToJsonString()));

    /// <summary>The file with a given manifest text (possibly not JSON at all), sealed.</summary>
    public byte[] Seal(byte[] manifest)
    {
        var body = new byte[Preamble + manifest.Length + Payload.Length];
        Header.CopyTo(body, 0);
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(12), manifest.Length);
        manifest.CopyTo(body, Preamble);
        Payload.CopyTo(body, Preamble + manifest.Length);
        return Reseal(body.Concat(new byte[4]).ToArray());
    }

    /// <summary>Recomputes the trailing CRC-32 of any file that ends with one.</summary>
    public static byte[] Reseal(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(copy.Length - 4), Crc32.HashToUInt32(copy.AsSpan(0, copy.Length - 4)));
        return copy;
    }
}
