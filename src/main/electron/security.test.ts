import { describe, expect, it } from 'vitest';
import { isTrustedRendererUrl, RENDERER_CSP, secureWebPreferences } from './security';

// The Electron binary cannot run here, so the checklist is tested as the data index.ts applies.
describe('Electron security checklist', () => {
  it('isolates and sandboxes the renderer, no Node integration anywhere', () => {
    const p = secureWebPreferences('/app/preload.cjs');
    expect(p).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false });
  });
  it('has a CSP with no remote content', () => {
    expect(RENDERER_CSP).toContain("default-src 'self'");
    expect(RENDERER_CSP).toContain("script-src 'self'");
    expect(RENDERER_CSP).not.toMatch(/https?:|\*|unsafe-eval/);
  });
  it('accepts IPC only from the app page', () => {
    expect(isTrustedRendererUrl('file:///opt/app/out/renderer/index.html#/runs/1', 'file:///opt/app/out/renderer/index.html')).toBe(true);
    expect(isTrustedRendererUrl('file:///tmp/evil.html', 'file:///opt/app/out/renderer/index.html')).toBe(false);
    expect(isTrustedRendererUrl('http://localhost:5173/#/new', 'http://localhost:5173/')).toBe(true);
    expect(isTrustedRendererUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isTrustedRendererUrl('https://example.com/', 'file:///opt/app/out/renderer/index.html')).toBe(false);
    expect(isTrustedRendererUrl(undefined, 'file:///x')).toBe(false);
  });
});
