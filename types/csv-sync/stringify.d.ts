// What src/shared/csv.ts uses of csv-stringify's browser build, without Node's types (see parse.d.ts).
export declare function stringify(records: string[][], options?: { quoted_match?: RegExp; record_delimiter?: string }): string;
