// Dashboard variables: substitution of $name / ${name} in PromQL.

// The value of a variable set to "All".
export const ALL = '$__all';

// A label value as a regex matching exactly it, inside a PromQL
// double-quoted string (so backslashes are doubled).
function regexValue(v: string): string {
  return v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

// Replaces $name and ${name} with the variable's value as a regex; "All"
// becomes the alternation of every value offered (or .+ if none were).
export function substitute(expr: string, values: Record<string, string>, options: Record<string, string[]> = {}): string {
  return expr.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a: string, b: string) => {
    const name = a || b;
    if (!(name in values)) return m;
    const v = values[name];
    if (v !== ALL) return regexValue(v);
    const all = options[name] || [];
    return all.length ? all.map(regexValue).join('|') : '.+';
  });
}

