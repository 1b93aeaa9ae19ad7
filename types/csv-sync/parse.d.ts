// What src/shared/csv.ts uses of csv-parse's browser build, declared without Node's types: the
// package's own declarations reference "node" (Buffer, streams), which would give src/shared
// Node's globals under tsconfig.shared.json. Only that config maps the import here.
export interface CsvParseOptions {
  delimiter?: string;
  record_delimiter?: string[];
  relax_quotes?: boolean;
  relax_column_count?: boolean;
  rtrim?: boolean;
  bom?: boolean;
  skip_empty_lines?: boolean;
  on_record?: (record: string[], context: { lines: number }) => string[];
}
export declare class CsvError extends Error {
  readonly code: string;
  readonly index?: number;
  readonly lines?: number;
}
export declare function parse(input: string, options?: CsvParseOptions): string[][];
