/**
 * A Python 3 string literal for a non-secret value. JSON string syntax is a subset of Python's
 * (same escapes, `\uXXXX` included), so JSON.stringify gives a correct literal.
 */
export const pyStr = (value: string): string => JSON.stringify(value);

/** A Python list of string literals. */
export const pyList = (values: readonly string[]): string => `[${values.map(pyStr).join(', ')}]`;
