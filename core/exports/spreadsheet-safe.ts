/**
 * Spreadsheet-safe CSV (OWASP ASVS 5.3.x, CSV injection): a cell beginning with = + - @ tab or carriage
 * return is prefixed with a single quote so spreadsheet programs treat it as text.
 */
export function neutraliseFormulaSql(expression: string): string {
  return `(CASE WHEN regexp_matches(CAST(${expression} AS VARCHAR), '^[=+\\-@\\t\\r]') THEN '''' || CAST(${expression} AS VARCHAR) ELSE CAST(${expression} AS VARCHAR) END)`;
}

export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
