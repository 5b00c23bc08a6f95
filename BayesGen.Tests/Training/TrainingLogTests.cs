using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using BayesGen.Training;
using BayesGen.Training.Logs;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Training;

/// <summary>
/// The training logs other tools open: training.csv read back as CSV, and TensorBoard's event files decoded here from
/// their published format (length-prefixed records with masked CRC-32C, Event and Summary protobufs), independently of
/// the library that wrote them. Both must hold exactly what the trainer reported.
/// </summary>
[Collection(Support.HeavyCollection.Name)]
public sealed class TrainingLogTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-logs-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private TrainingResult TrainWithLogs(int epochs, bool resume = false)
    {
        var x = randn(new long[] { 400, 16 }, generator: new torch.Generator(1));
        var y = (x.narrow(1, 0, 4).sum(1) > 0).to(ScalarType.Int64);
        var data = TrainingBatches.From(() => Enumerable.Range(0, 4).Select(i => (x.narrow(0, 100 * i, 100), y.narrow(0, 100 * i, 100))), 400);
        using var model = new SignalMlp.Bayesian(new SignalMlp());
        var observers = new TrainingObservers(new CsvTrainingLog(Path.Combine(dir, "training.csv")), new TensorBoardTrainingLog(Path.Combine(dir, "tb")));
        var options = new TrainingOptions { Epochs = epochs, BatchSize = 100, CheckpointPath = Path.Combine(dir, "checkpoint.bgck"), Resume = resume };
        return new BayesianTrainer(options, observers).Train(model, data, data);
    }

    [Fact]
    public void The_CSV_holds_every_epoch_as_reported_and_a_resumed_run_continues_it()
    {
        TrainWithLogs(2);
        var result = TrainWithLogs(3, resume: true);
        var lines = File.ReadAllLines(Path.Combine(dir, "training.csv"));
        Assert.Equal("epoch,loss,cross_entropy,kl,kl_weight,test_error_pct,seconds,samples_per_second,kept fc1,kept fc2", lines[0]);
        Assert.Equal(4, lines.Length);
        foreach (var (line, summary) in lines.Skip(1).Zip(result.History))
        {
            var fields = line.Split(',');
            double Field(int i) => double.Parse(fields[i], CultureInfo.InvariantCulture);
            Assert.Equal(summary.Epoch, Field(0));
            Assert.Equal(summary.Loss, Field(1));
            Assert.Equal(summary.KL, Field(3));
            Assert.Equal(summary.TestErrorPercent, Field(5));
            Assert.Equal(summary.KeptGroups.Select(k => (double)k.Kept), new[] { Field(8), Field(9) });
        }
    }

    [Fact]
    public void TensorBoard_event_files_decode_to_the_reported_scalars()
    {
        var result = TrainWithLogs(2);
        var scalars = Directory.EnumerateFiles(Path.Combine(dir, "tb"), "events.out.tfevents.*", SearchOption.AllDirectories)
            .SelectMany(f => EventFile.Scalars(File.ReadAllBytes(f))).ToList();
        foreach (var s in result.History)
        {
            Assert.Contains(("loss/objective", (long)s.Epoch, (float)s.Loss), scalars);
            Assert.Contains(("loss/kl", (long)s.Epoch, (float)s.KL), scalars);
            Assert.Contains(("test/error_pct", (long)s.Epoch, (float)s.TestErrorPercent), scalars);
            foreach (var k in s.KeptGroups) Assert.Contains(($"kept/{k.Layer}", (long)s.Epoch, (float)k.Kept), scalars);
        }
    }

    /// <summary>TensorBoard's record format and the two protobuf messages the scalars live in, read from the specification.</summary>
    private static class EventFile
    {
        public static IEnumerable<(string Tag, long Step, float Value)> Scalars(byte[] file)
        {
            for (int at = 0; at < file.Length;)
            {
                ulong length = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(at));
                Assert.Equal(Masked(Crc32C(file.AsSpan(at, 8))), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8)));
                var data = file.AsSpan(at + 12, (int)length);
                Assert.Equal(Masked(Crc32C(data)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 12 + (int)length)));
                long step = 0;
                var values = new List<(string, float)>();
                foreach (var (field, value) in Fields(data.ToArray()))
                {
                    if (field == 2) step = (long)(ulong)value;                          // Event.step
                    if (field == 5)                                                    // Event.summary
                        foreach (var (f, v) in Fields((byte[])value))
                            if (f == 1) values.Add(Value((byte[])v));                   // Summary.value
                }
                foreach (var (tag, v) in values) yield return (tag, step, v);
                at += 12 + (int)length + 4;
            }
        }

        private static (string Tag, float Value) Value(byte[] message)
        {
            string tag = "";
            float value = float.NaN;
            foreach (var (f, v) in Fields(message))
            {
                if (f == 1) tag = Encoding.UTF8.GetString((byte[])v);                  // Summary.Value.tag
                if (f == 2) value = BitConverter.Int32BitsToSingle((int)(uint)(ulong)v); // Summary.Value.simple_value
            }
            return (tag, value);
        }

        /// <summary>Protobuf fields: varints and fixed widths as ulong, length-delimited ones as bytes.</summary>
        private static IEnumerable<(int Field, object Value)> Fields(byte[] message)
        {
            int at = 0;
            while (at < message.Length)
            {
                ulong key = Varint(message, ref at);
                int field = (int)(key >> 3);
                switch ((int)(key & 7))
                {
                    case 0: yield return (field, Varint(message, ref at)); break;
                    case 1: yield return (field, BinaryPrimitives.ReadUInt64LittleEndian(message.AsSpan(at))); at += 8; break;
                    case 5: yield return (field, (ulong)BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(at))); at += 4; break;
                    case 2:
                        int length = (int)Varint(message, ref at);
                        yield return (field, message.AsSpan(at, length).ToArray());
                        at += length;
                        break;
                    default: throw new InvalidDataException($"wire type {key & 7}");
                }
            }
        }

        private static ulong Varint(byte[] data, ref int at)
        {
            ulong result = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = data[at++];
                result |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80) return result;
            }
        }

        private static uint Masked(uint crc) => ((crc >> 15) | (crc << 17)) + 0xa282ead8;

        /// <summary>CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit.</summary>
        private static uint Crc32C(ReadOnlySpan<byte> data)
        {
            uint crc = 0xffffffff;
            foreach (var b in data)
            {
                crc ^= b;
                for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
            }
            return ~crc;
        }
    }
}
