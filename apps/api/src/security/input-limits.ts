/** Bounds on the variables of a request, checked before any resolver (and before graphql-js coerces them). */
export interface InputLimits {
  maxDepth: number;
  maxStringLength: number;
  maxListLength: number;
}

/** Keys echoed in a refusal's path; anything else (a hostile key) shows as `?`. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export interface InputViolation {
  /** dotted path of the offending value, e.g. `input.content` or `input.baseline.3` */
  path: string;
  limit: 'inputDepth' | 'stringLength' | 'listLength';
  message: string;
}

/**
 * The first value of `variables` beyond a limit, or null. Every variable is
 * checked, declared by the operation or not. Never descends deeper than the
 * depth limit, so a hostile nesting costs no more than a legitimate one.
 */
export function inputViolation(variables: Record<string, unknown> | undefined, limits: InputLimits): InputViolation | null {
  const visit = (value: unknown, path: string, depth: number): InputViolation | null => {
    if (typeof value === 'string') {
      return value.length > limits.maxStringLength
        ? { path, limit: 'stringLength', message: `is longer than ${limits.maxStringLength} characters` }
        : null;
    }
    if (value === null || typeof value !== 'object') return null;
    if (depth > limits.maxDepth) return { path, limit: 'inputDepth', message: `nests objects or lists more than ${limits.maxDepth} deep` };
    if (Array.isArray(value)) {
      if (value.length > limits.maxListLength) return { path, limit: 'listLength', message: `has more than ${limits.maxListLength} items` };
      for (let i = 0; i < value.length; i++) {
        const found = visit(value[i], `${path}.${i}`, depth + 1);
        if (found) return found;
      }
      return null;
    }
    const entries = Object.entries(value);
    if (entries.length > limits.maxListLength) return { path, limit: 'listLength', message: `has more than ${limits.maxListLength} fields` };
    for (const [key, item] of entries) {
      const found = visit(item, `${path}.${NAME.test(key) ? key : '?'}`, depth + 1);
      if (found) return found;
    }
    return null;
  };
  const all = Object.entries(variables ?? {});
  if (all.length > limits.maxListLength) return { path: 'variables', limit: 'listLength', message: `has more than ${limits.maxListLength} variables` };
  for (const [name, value] of all) {
    const found = visit(value, NAME.test(name) ? name : '?', 1);
    if (found) return found;
  }
  return null;
}
