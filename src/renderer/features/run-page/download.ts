/**
 * Saving an exported file from the renderer: a Blob and a temporary `<a download>` link. In the
 * browser that is a download; in Electron the same click opens the save dialog.
 */
import type { ExportFile } from '../../../shared/api';

/** The bytes (or text) of an exported file. */
export function fileBody(f: ExportFile): string | Uint8Array<ArrayBuffer> {
  if (f.encoding === 'utf8') return f.content;
  const bin = atob(f.content);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Size in bytes of an exported file. */
export function fileSize(f: ExportFile): number {
  const body = fileBody(f);
  return typeof body === 'string' ? new TextEncoder().encode(body).length : body.length;
}

export function downloadFile(f: ExportFile): void {
  const blob = new Blob([fileBody(f)], { type: f.mime });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = f.name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
