using System.Text;

namespace Balancer.Client.Onnx.Tests;

/// <summary>
/// Writes small ONNX models (a serialized <c>onnx.ModelProto</c>) with a hand-written protocol buffers encoder, so the
/// tests need no model files and no converter: <see cref="Linear"/> builds predictions = features × W + b.
/// </summary>
internal static class OnnxModelWriter
{
    private const int Float = 1; // onnx.TensorProto.DataType.FLOAT

    /// <summary>
    /// A model with input <paramref name="inputName"/> of shape [N, rows of W] and output <paramref name="outputName"/>
    /// of shape [N, columns of W]: MatMul with the weights, then Add of the bias. The batch dimension is dynamic.
    /// </summary>
    public static byte[] Linear(float[,] weights, float[] bias, string inputName = "features", string outputName = "predictions")
    {
        var inputs = weights.GetLength(0);
        var outputs = weights.GetLength(1);
        var graph = new Proto()
            .Message(1, Node("MatMul", [inputName, "weights"], "product"))       // GraphProto.node
            .Message(1, Node("Add", ["product", "bias"], outputName))
            .String(2, "linear")                                                // GraphProto.name
            .Message(5, Tensor("weights", [inputs, outputs], [.. weights.Cast<float>()])) // GraphProto.initializer
            .Message(5, Tensor("bias", [outputs], bias))
            .Message(11, ValueInfo(inputName, inputs))                          // GraphProto.input
            .Message(12, ValueInfo(outputName, outputs));                       // GraphProto.output
        return new Proto()
            .Int64(1, 8)                                                        // ModelProto.ir_version
            .String(2, "Balancer.Client.Onnx.Tests")                            // ModelProto.producer_name
            .Message(7, graph)                                                  // ModelProto.graph
            .Message(8, new Proto().String(1, string.Empty).Int64(2, 13))       // ModelProto.opset_import: default domain, opset 13
            .ToArray();
    }

    private static Proto Node(string op, string[] inputs, string output)
    {
        var node = new Proto();
        foreach (var input in inputs)
        {
            node.String(1, input);                                              // NodeProto.input
        }

        return node.String(2, output).String(3, op + "_" + output).String(4, op); // output, name, op_type
    }

    private static Proto Tensor(string name, long[] dims, float[] values)
    {
        var tensor = new Proto();
        foreach (var dim in dims)
        {
            tensor.Int64(1, dim);                                               // TensorProto.dims
        }

        var raw = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);                        // little-endian float32, as raw_data wants
        return tensor.Int64(2, Float).String(8, name).Bytes(9, raw);            // data_type, name, raw_data
    }

    /// <summary>A float tensor of shape [N, <paramref name="width"/>], N a named dynamic dimension.</summary>
    private static Proto ValueInfo(string name, int width)
    {
        var shape = new Proto()
            .Message(1, new Proto().String(2, "N"))                             // TensorShapeProto.dim { dim_param }
            .Message(1, new Proto().Int64(1, width));                           // TensorShapeProto.dim { dim_value }
        var tensorType = new Proto().Int64(1, Float).Message(2, shape);         // TypeProto.Tensor: elem_type, shape
        return new Proto().String(1, name).Message(2, new Proto().Message(1, tensorType)); // ValueInfoProto: name, type { tensor_type }
    }

    /// <summary>The few protocol buffers encodings these messages need: varint, length-delimited bytes, strings and messages.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _buffer = new();

        public Proto Int64(int field, long value)
        {
            Tag(field, 0);
            Varint((ulong)value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public Proto Bytes(int field, byte[] value)
        {
            Tag(field, 2);
            Varint((ulong)value.Length);
            _buffer.Write(value);
            return this;
        }

        public byte[] ToArray() => _buffer.ToArray();

        private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

        private void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _buffer.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            _buffer.WriteByte((byte)value);
        }
    }
}
