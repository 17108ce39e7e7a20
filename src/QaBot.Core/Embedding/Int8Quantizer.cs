using Google.Protobuf;
using Onnx;

namespace QaBot.Embedding;

/// <summary>
/// Dynamic int8 quantization of an ONNX model's weight matrices, as ONNX Runtime's <c>quantize_dynamic</c> does it:
/// each <c>MatMul</c> by a constant float matrix becomes DynamicQuantizeLinear → MatMulInteger → scale, with the weights
/// stored as int8, symmetric per output column. ONNX Runtime fuses that into its int8 kernels (VNNI on this machine's
/// CPUs), which run a short question several times faster than float. Hand-written because ONNX Runtime's quantizer is
/// Python only; <see cref="ModelProto"/> comes from OnnxSharp.
/// </summary>
public static class Int8Quantizer
{
    private const int Float = (int)TensorProto.Types.DataType.Float;
    private const int Int8 = (int)TensorProto.Types.DataType.Int8;

    /// <summary>The quantized model, and how many matrices were quantized.</summary>
    /// <remarks>Read from a stream, so the float model is held once (parsed), not twice.</remarks>
    public static (byte[] Model, int Matrices) Quantize(Stream onnxModel)
    {
        var model = ModelProto.Parser.ParseFrom(onnxModel);
        var graph = model.Graph;
        var weights = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var nodes = new List<NodeProto>(graph.Node.Count);
        var quantized = 0;
        foreach (var node in graph.Node)
        {
            if (node.OpType != "MatMul" || !weights.TryGetValue(node.Input[1], out var w) || w.Dims.Count != 2 || w.DataType != Float || w.RawData.IsEmpty)
            {
                nodes.Add(node);
                continue;
            }
            var p = $"{node.Name}_int8_{quantized++}_";
            var (codes, scales) = QuantizeColumns(w);
            graph.Initializer.Add(Tensor(p + "w", Int8, codes, w.Dims));
            graph.Initializer.Add(Tensor(p + "w_zero", Int8, new byte[scales.Length], [scales.Length]));
            graph.Initializer.Add(Tensor(p + "w_scale", Float, FloatBytes(scales), [scales.Length]));
            nodes.Add(Node("DynamicQuantizeLinear", [node.Input[0]], [p + "a", p + "a_scale", p + "a_zero"]));
            nodes.Add(Node("MatMulInteger", [p + "a", p + "w", p + "a_zero", p + "w_zero"], [p + "int32"]));
            var cast = Node("Cast", [p + "int32"], [p + "float"]);
            cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = Float });
            nodes.Add(cast);
            nodes.Add(Node("Mul", [p + "a_scale", p + "w_scale"], [p + "scale"]));
            nodes.Add(Node("Mul", [p + "float", p + "scale"], [node.Output[0]]));

            NodeProto Node(string op, string[] inputs, string[] outputs)
            {
                var n = new NodeProto { OpType = op, Name = p + op + "_" + outputs[0] };
                n.Input.AddRange(inputs);
                n.Output.AddRange(outputs);
                return n;
            }
        }
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        // The float matrices are no longer read by any node.
        var used = nodes.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        var kept = graph.Initializer.Where(t => used.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(kept);
        return (model.ToByteArray(), quantized);
    }

    /// <summary>Symmetric int8 codes of a row-major [K, N] matrix, one scale per column.</summary>
    private static (byte[] Codes, float[] Scales) QuantizeColumns(TensorProto w)
    {
        var (k, n) = ((int)w.Dims[0], (int)w.Dims[1]);
        var values = new float[k * n];
        w.RawData.Span.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        var scales = new float[n];
        for (var r = 0; r < k; r++)
        {
            for (var c = 0; c < n; c++) scales[c] = MathF.Max(scales[c], MathF.Abs(values[(r * n) + c]));
        }
        for (var c = 0; c < n; c++) scales[c] /= 127f;
        var codes = new byte[k * n];
        for (var r = 0; r < k; r++)
        {
            for (var c = 0; c < n; c++)
            {
                var i = (r * n) + c;
                codes[i] = scales[c] == 0 ? (byte)0 : unchecked((byte)(sbyte)Math.Clamp(MathF.Round(values[i] / scales[c]), -127, 127));
            }
        }
        return (codes, scales);
    }

    private static byte[] FloatBytes(float[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static TensorProto Tensor(string name, int type, byte[] data, IEnumerable<long> dims)
    {
        var t = new TensorProto { Name = name, DataType = type, RawData = ByteString.CopyFrom(data) };
        t.Dims.AddRange(dims);
        return t;
    }
}
