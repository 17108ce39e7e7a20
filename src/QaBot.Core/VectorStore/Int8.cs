using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QaBot.VectorStore;

/// <summary>Symmetric int8 quantization of vectors, and their SIMD dot product, for the coarse search stage.</summary>
internal static class Int8
{
    /// <summary>Writes <paramref name="vector"/> as int8 codes; returns the factor that maps code dot products back to floats.</summary>
    public static float Quantize(ReadOnlySpan<float> vector, Span<sbyte> codes)
    {
        var max = 0f;
        foreach (var v in vector) max = MathF.Max(max, MathF.Abs(v));
        if (max == 0)
        {
            codes.Clear();
            return 0;
        }
        var scale = 127f / max;
        for (var i = 0; i < vector.Length; i++) codes[i] = (sbyte)MathF.Round(vector[i] * scale);
        return 1f / scale;
    }

    // Straight to optimised code: a search calls this once per passage, and tier-0 code (not yet promoted while a busy
    // process keeps compiling new methods) ran the scan about 8 times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        var i = 0;
        var sum = 0;
        if (Avx2.IsSupported)
        {
            var acc = Vector256<int>.Zero;
            ref var ra = ref MemoryMarshal.GetReference(a);
            ref var rb = ref MemoryMarshal.GetReference(b);
            for (; i <= a.Length - Vector256<sbyte>.Count; i += Vector256<sbyte>.Count)
            {
                var (aLow, aHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref ra, (nuint)i));
                var (bLow, bHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref rb, (nuint)i));
                acc += Avx2.MultiplyAddAdjacent(aLow, bLow) + Avx2.MultiplyAddAdjacent(aHigh, bHigh);
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
