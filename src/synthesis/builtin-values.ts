/**
 * What JavaScript's built-ins give back, as far as the value facts (value-facts.ts) need to know: which names
 * read a function off a data value, which constructors and calls yield plain data or primitives, and which
 * callback parameters receive an array's elements.
 */

/** Names of built-in methods on the prototypes data values have: reading one yields a function. */
export const BUILTIN_METHOD_NAMES: ReadonlySet<string> = new Set(
  [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype].flatMap((p) =>
    Object.getOwnPropertyNames(p).filter((name) => {
      const d = Object.getOwnPropertyDescriptor(p, name);
      return !d || typeof d.value === 'function' || d.get !== undefined;
    }),
  ),
);

/** Constructors whose instances are plain objects (their `constructor` is the allowed global itself). */
export const SAFE_CONSTRUCTORS = new Set([
  'Map',
  'Set',
  'Date',
  'Error',
  'TypeError',
  'RangeError',
  'Array',
  'Promise',
  'Number',
  'String',
  'Boolean',
]);
/** Global functions and namespaces whose results are primitives. */
export const PRIMITIVE_CALLS = new Set([
  'String',
  'Number',
  'Boolean',
  'parseInt',
  'parseFloat',
  'isNaN',
  'isFinite',
]);
export const PRIMITIVE_NAMESPACES = new Set(['Math', 'Number']);
/** Methods that, on data, return data (elements, sub-arrays, strings, numbers). */
export const DATA_METHODS = new Set([
  // arrays
  'filter',
  'slice',
  'sort',
  'reverse',
  'toSorted',
  'toReversed',
  'flat',
  'find',
  'findLast',
  'at',
  'pop',
  'shift',
  'indexOf',
  'lastIndexOf',
  'findIndex',
  'findLastIndex',
  'includes',
  'join',
  'some',
  'every',
  'push',
  'unshift',
  // strings
  'split',
  'trim',
  'trimStart',
  'trimEnd',
  'toLowerCase',
  'toUpperCase',
  'charAt',
  'charCodeAt',
  'codePointAt',
  'substring',
  'startsWith',
  'endsWith',
  'padStart',
  'padEnd',
  'repeat',
  'replace',
  'replaceAll',
  'match',
  'matchAll',
  'search',
  'test',
  'normalize',
  'localeCompare',
  'toFixed',
  'toPrecision',
  'toString',
  'toISOString',
  'getTime',
]);
/** Methods that return a new array whatever the callback returns (so the array itself is shallow). */
export const ARRAY_METHODS = new Set(['map', 'flatMap', 'concat', 'keys', 'values', 'entries']);
/** Array methods whose callback receives elements (parameter positions that hold elements). */
export const ELEMENT_PARAMS: ReadonlyMap<string, readonly number[]> = new Map([
  ['forEach', [0]],
  ['map', [0]],
  ['filter', [0]],
  ['some', [0]],
  ['every', [0]],
  ['find', [0]],
  ['findIndex', [0]],
  ['findLast', [0]],
  ['findLastIndex', [0]],
  ['flatMap', [0]],
  ['sort', [0, 1]],
  ['toSorted', [0, 1]],
  ['reduce', [1]],
  ['reduceRight', [1]],
]);
