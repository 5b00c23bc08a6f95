// This file is compiled into both BayesGen.Runtime and BayesGen.Generator (a linked source file), so the
// compile-time size checks and the run-time shape inference use one formula. It must stay valid C# for
// netstandard2.0 and reference nothing but System.

namespace BayesGen.Shared
{
    /// <summary>The output length of a sliding window (convolution or pooling) along one axis, as PyTorch computes it.</summary>
    internal static class SlidingWindow
    {
        /// <summary>
        /// ⌊(input + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1, or with <paramref name="ceilMode"/> the
        /// ceiling, less one when the last window would start beyond the input and its left padding (PyTorch's rule).
        /// A result below 1 means the input is too small for the window.
        /// </summary>
        public static long OutputSize(long input, long kernel, long stride, long padding, long dilation = 1, bool ceilMode = false)
        {
            if (stride <= 0) return 0;
            long span = input + 2 * padding - dilation * (kernel - 1) - 1;
            if (span < 0) return 0;
            long result = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
            if (ceilMode && (result - 1) * stride >= input + padding) result--;
            return result;
        }
    }
}
