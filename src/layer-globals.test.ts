/**
 * Per-layer tsconfigs keep each layer to the globals of the place it runs: src/shared none (it
 * runs in the renderer, the engine and the host alike), src/engine Node's, src/renderer the DOM's.
 * `npm test` typechecks each layer with its config; this test compiles a probe under each config,
 * as tsc does, and checks that a forbidden global is an error and an allowed one is not.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

function diagnostics(config: string, file: string, source: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(root, config),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${config}`);
  const probe = path.join(root, file);
  const host = ts.createCompilerHost(parsed.options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (path.resolve(name) === probe ? ts.createSourceFile(name, source, lang) : read(name, lang, ...rest));
  host.fileExists = (
    (exists) => (name: string) =>
      path.resolve(name) === probe || exists(name)
  )(host.fileExists.bind(host));
  const program = ts.createProgram([probe], { ...parsed.options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('each layer sees only the globals of where it runs', () => {
  it("src/shared: no Node and no DOM, even through what its modules import (csv-parse's types reference Node's)", () => {
    // The probe imports every module of src/shared, so a dependency that drags Node's or the DOM's types in shows here.
    const modules = fs.readdirSync(path.join(root, 'src/shared')).filter((f) => /^[\w-]+\.ts$/.test(f) && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'));
    expect(modules).toContain('csv.ts');
    const imports = modules.map((f) => `import './${f.replace(/\.ts$/, '')}';\n`).join('');
    const errors = diagnostics(
      'tsconfig.shared.json',
      'src/shared/probe.ts',
      `${imports}export const a = process.env.X;\nexport const b = document.title;\nexport const c = Buffer.alloc(1);\nexport const d = [1, 2].at(-1);\n`,
    );
    expect(errors.join('\n')).toMatch(/Cannot find name 'process'/);
    expect(errors.join('\n')).toMatch(/Cannot find name 'document'/);
    expect(errors.join('\n')).toMatch(/Cannot find name 'Buffer'/);
    expect(errors).toHaveLength(3);
  }, 60_000);

  it('src/engine: Node, no DOM', () => {
    const errors = diagnostics('tsconfig.engine.json', 'src/engine/probe.ts', 'export const a = process.env.X;\nexport const b = document.title;\n');
    expect(errors).toEqual([expect.stringMatching(/Cannot find name 'document'/)]);
  }, 60_000);

  it('src/renderer: the DOM, no Node', () => {
    const errors = diagnostics('tsconfig.renderer.json', 'src/renderer/probe.ts', 'export const a = process.env.X;\nexport const b = document.title;\n');
    expect(errors).toEqual([expect.stringMatching(/Cannot find name 'process'/)]);
  }, 60_000);
});
