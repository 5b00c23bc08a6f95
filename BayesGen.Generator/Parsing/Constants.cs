using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BayesGen.Generator.Parsing;

/// <summary>Reads compile-time constant numbers out of operations (arguments, tuples, array creations).</summary>
internal static class Constants
{
    /// <summary>Strips implicit conversions (long → long?, int → long, tuple conversions).</summary>
    public static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation { IsImplicit: true } c) operation = c.Operand;
        while (operation is IConversionOperation c2 && c2.Operand.ConstantValue.HasValue) operation = c2.Operand;
        return operation;
    }

    /// <summary>A constant integer, or null.</summary>
    public static long? Long(IOperation? operation)
    {
        if (operation is null) return null;
        var value = operation.ConstantValue;
        if (!value.HasValue) value = Unwrap(operation).ConstantValue;
        if (!value.HasValue || value.Value is null) return null;
        return value.Value switch
        {
            int i => i,
            long l => l,
            short s => s,
            byte b => b,
            uint u => u,
            _ => null,
        };
    }

    /// <summary>A constant real number (integers included), or null.</summary>
    public static double? Double(IOperation? operation)
    {
        if (operation is null) return null;
        var value = operation.ConstantValue;
        if (!value.HasValue) value = Unwrap(operation).ConstantValue;
        if (!value.HasValue || value.Value is null) return null;
        return value.Value switch
        {
            double d => d,
            float f => f,
            int i => i,
            long l => l,
            _ => null,
        };
    }

    /// <summary>Whether the operation is the constant null (an omitted optional argument).</summary>
    public static bool IsNull(IOperation? operation)
    {
        if (operation is null) return true;
        var op = Unwrap(operation);
        if (op.ConstantValue is { HasValue: true, Value: null }) return true;
        // default(long?) for an omitted nullable parameter.
        return op is IDefaultValueOperation && (op.Type is null || op.Type.IsReferenceType || op.Type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T);
    }

    /// <summary>
    /// A pair of integers from a scalar (k → k, k), a tuple ((a, b)) or an array (new long[] { a, b }); null when
    /// any part is not constant.
    /// </summary>
    public static long[]? Pair(IOperation? operation)
    {
        if (operation is null) return null;
        var op = Unwrap(operation);
        if (Long(op) is long single) return new[] { single, single };
        if (op is ITupleOperation tuple && tuple.Elements.Length == 2)
        {
            var a = Long(tuple.Elements[0]);
            var b = Long(tuple.Elements[1]);
            return a is null || b is null ? null : new[] { a.Value, b.Value };
        }
        if (op is IArrayCreationOperation { Initializer: { } init })
        {
            var values = init.ElementValues.Select(Long).ToArray();
            if (values.Any(v => v is null)) return null;
            if (values.Length == 1) return new[] { values[0]!.Value, values[0]!.Value };
            if (values.Length == 2) return new[] { values[0]!.Value, values[1]!.Value };
        }
        return null;
    }

    /// <summary>The value passed for the parameter named <paramref name="name"/> (explicit or default), or null.</summary>
    public static IOperation? Argument(IInvocationOperation invocation, params string[] names)
        => invocation.Arguments.FirstOrDefault(a => a.Parameter is not null && Array.IndexOf(names, a.Parameter.Name) >= 0)?.Value;

    /// <summary>Whether the argument for <paramref name="name"/> was written by the user (not a default value).</summary>
    public static IArgumentOperation? ExplicitArgument(IInvocationOperation invocation, string name)
        => invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == name && a.ArgumentKind != ArgumentKind.DefaultValue);
}
