/** SQL string literal (both LanceDB's DataFusion and Postgres double a single quote inside one). */
export function sqlString(s: string): string {
  if (s.includes("\0")) throw new Error("NUL in a SQL string");
  return `'${s.replace(/'/g, "''")}'`;
}
