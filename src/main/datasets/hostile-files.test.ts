/**
 * Issue 14 (items 2-4, 6, 9): hostile files sent at the real preview, importers and thumbnails,
 * through a real host (SQLite file, import worker thread): devices, FIFOs, sockets, /proc files,
 * huge and one-line files, decompression bombs, symlinks out of the folder, Latin-1 text.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportPreview, ImportReport, ItemsPage, Thumbnail } from '../../shared/dataset-schema';
import { createHost, type Host } from '../host';
import { Thumbnails } from './thumbnails';
import { tmpDir, writeBombPng, writeImage, writeText } from './testing';

const dirs: string[] = [];
const hosts: Host[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) {
    try {
      c();
    } catch {
      /* best effort */
    }
  }
  for (const h of hosts.splice(0)) await h.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = tmpDir();
  dirs.push(d);
  return d;
}
function host(): Host {
  const h = createHost({ dataDir: dir(), transport: 'websocket', concurrency: 0 });
  hosts.push(h);
  return h;
}
const call = <T>(h: Host, m: string, input: unknown): Promise<T> => h.dispatch(m, input) as Promise<T>;

/** The error of a call that must fail, or a failure naming the call if it hangs or succeeds. */
async function failure(p: Promise<unknown>, ms = 8000): Promise<Error> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([p, hang]);
  } catch (e) {
    if ((e as Error).message.startsWith('no answer within')) throw e;
    return e as Error;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected the call to fail');
}

function mkfifo(file: string): void {
  execFileSync('mkfifo', [file]);
  // A reader blocked in open() (code that opens FIFOs) is released by a writer; then removed.
  cleanups.push(() => {
    try {
      fs.closeSync(fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    } catch {
      /* no reader waiting */
    }
  });
}

describe('special files are refused by name, never opened', () => {
  it('/dev/zero and /dev/urandom: a clear error at once (as the source and as csv)', async () => {
    const h = host();
    for (const dev of ['/dev/zero', '/dev/urandom']) {
      for (const format of ['auto', 'csv']) {
        const e = await failure(call(h, 'datasets.preview', { path: dev, format }));
        expect(e.message).toBe(`${dev} is a character device, not a regular file`);
      }
    }
    const e = await failure(call(h, 'datasets.import', { path: '/dev/zero', format: 'csv' }));
    expect(e.message).toMatch(/character device, not a regular file/);
  });

  it('four previews of a FIFO fail at once and leave the thread pool free', async () => {
    const h = host();
    const d = dir();
    const fifo = path.join(d, 'captions.csv');
    mkfifo(fifo);
    const errs = await Promise.all([0, 1, 2, 3].map(() => failure(call(h, 'datasets.preview', { path: fifo }))));
    for (const e of errs) expect(e.message).toBe(`${fifo} is a FIFO, not a regular file`);
    // libuv has 4 pool threads: if any preview were stuck in open(), file reads would queue behind.
    const ok = path.join(d, 'ok.txt');
    fs.writeFileSync(ok, 'fine');
    const t0 = Date.now();
    await Promise.all([0, 1, 2, 3, 4].map(() => fs.promises.readFile(ok)));
    expect(Date.now() - t0).toBeLessThan(2000);
    // A FIFO as an image, an annotation file of a folder and an import.
    const e = await failure(call(h, 'datasets.import', { path: fifo, format: 'csv' }));
    expect(e.message).toMatch(/is a FIFO, not a regular file/);
  });

  it('a FIFO named like an image is skipped with its reason', async () => {
    const h = host();
    const root = dir();
    await writeImage(path.join(root, 'cat', 'a.png'), { seed: 1 });
    mkfifo(path.join(root, 'cat', 'pipe.png'));
    const r = await Promise.race([
      call<ImportReport>(h, 'datasets.import', { path: root }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('import hung on a FIFO')), 15000)),
    ]);
    expect(r.counts.items).toBe(1);
    expect(r.skipped).toEqual([
      { file: 'cat/pipe.png', line: null, reason: 'unsupported_file', message: 'unsupported image file: pipe.png is a FIFO, not a regular file' },
    ]);
  });

  it('a socket is refused by name', async () => {
    const h = host();
    const sock = path.join(dir(), 'data.csv');
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(sock, r));
    cleanups.push(() => srv.close());
    const e = await failure(call(h, 'datasets.preview', { path: sock }));
    expect(e.message).toBe(`${sock} is a socket, not a regular file`);
  });

  it('/proc/self/environ: refused, and the environment is never in the reply', async () => {
    const h = host();
    process.env.MLBL_TEST_SECRET = 'hunter2-do-not-echo';
    cleanups.push(() => {
      delete process.env.MLBL_TEST_SECRET;
    });
    for (const input of [
      { path: '/proc/self/environ' },
      { path: '/proc/self/environ', format: 'csv' },
      { path: '/proc/self/environ', format: 'jsonl' },
      { path: '/proc/self/environ', format: 'csv', columns: { image: 'x', caption: 'y' } },
    ]) {
      const e = await failure(call(h, 'datasets.preview', input));
      expect(e.message).not.toMatch(/hunter2|MLBL_TEST_SECRET|PATH=/);
      expect(e.message).toMatch(/kernel pseudo-file/);
    }
  });
});

describe('big and one-line files', () => {
  it('a 3 GiB (sparse) file is refused by its size, quickly', async () => {
    const h = host();
    const f = path.join(dir(), 'captions.csv');
    fs.writeFileSync(f, 'image,caption\n');
    fs.truncateSync(f, 3 * 1024 ** 3);
    const t0 = Date.now();
    const e = await failure(call(h, 'datasets.preview', { path: f }));
    expect(e.message).toBe(`captions.csv is too large: 3.0 GiB (the limit is 2.0 GiB)`);
    const e2 = await failure(call(h, 'datasets.import', { path: f }));
    expect(e2.message).toBe(`captions.csv is too large: 3.0 GiB (the limit is 2.0 GiB)`);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a 600 MB one-line file gets a short error that quotes none of it', async () => {
    const h = host();
    const d = dir();
    const f = path.join(d, 'one-line.csv');
    // A real header-ish start, then 600 MB without a newline (sparse: the rest reads as NULs).
    fs.writeFileSync(f, 'image_secret_column,caption_secret_column,');
    fs.truncateSync(f, 600 * 1024 * 1024);
    for (const format of ['auto', 'csv']) {
      const e = await failure(call(h, 'datasets.preview', { path: f, format }), 15000);
      expect(e.message).toBe('one-line.csv: line 1 is longer than 1024 KiB; not a text annotation file');
    }
    // The same with real text in the line (no NULs): 5 MB of column names.
    const g = path.join(d, 'wide.csv');
    fs.writeFileSync(g, `${'image_secret,'.repeat(400_000)}caption\n`);
    const e = await failure(call(h, 'datasets.preview', { path: g }));
    expect(e.message).toBe('wide.csv: line 1 is longer than 1024 KiB; not a text annotation file');
  });

  it('a header of many odd columns is counted, not quoted, in errors', async () => {
    const h = host();
    const f = path.join(dir(), 'odd.csv');
    writeText(f, `${Array.from({ length: 80 }, (_, i) => `secret${i}`).join(',')}\nx\n`);
    const e = await failure(call(h, 'datasets.preview', { path: f }));
    expect(e.message).toBe('odd.csv: cannot tell which column holds the image (80 columns; the first line does not look like a header); choose one');
  });

  it('a JSON error names the position, not the text', async () => {
    const h = host();
    const d = dir();
    writeText(path.join(d, 'captions.jsonl'), '{"image":"a.jpg","caption":"fine"}\n{"image": secret-value-here}\n');
    const pv = await call<ImportPreview>(h, 'datasets.preview', { path: path.join(d, 'captions.jsonl') });
    expect(pv.skipped).toHaveLength(1);
    expect(pv.skipped[0]?.message).not.toMatch(/secret/);
    expect(pv.skipped[0]).toMatchObject({ line: 2, reason: 'malformed_line' });
    writeText(path.join(d, 'captions.json'), '{"images": [secret-value-here]}');
    const e = await failure(call(h, 'datasets.preview', { path: path.join(d, 'captions.json') }));
    expect(e.message).not.toMatch(/secret/);
    expect(e.message).toBe('captions.json: not valid JSON');
  });
});

describe('decompression bombs', () => {
  it('a 16000 x 16000 PNG of a few KB is skipped with its reason; the ordinary images import', async () => {
    const h = host();
    const root = dir();
    await writeImage(path.join(root, 'cat', 'a.png'), { seed: 1 });
    await writeImage(path.join(root, 'dog', 'b.png'), { seed: 2 });
    writeBombPng(path.join(root, 'dog', 'bomb.png'));
    expect(fs.statSync(path.join(root, 'dog', 'bomb.png')).size).toBeLessThan(64 * 1024);
    const pv = await call<ImportPreview>(h, 'datasets.preview', { path: root });
    expect(pv.rows.find((r) => r.key === 'dog/bomb.png')).toMatchObject({ image: 'undecodable' });
    const r = await call<ImportReport>(h, 'datasets.import', { path: root });
    expect(r.counts.items).toBe(2);
    expect(r.skipped).toEqual([
      {
        file: 'dog/bomb.png',
        line: null,
        reason: 'undecodable_image',
        message: 'undecodable image: too large to decode: 16000 x 16000 pixels (256.0 Mpx; the limit is 67.1 Mpx)',
      },
    ]);
    // Header-only checking refuses it too.
    const r2 = await call<ImportReport>(h, 'datasets.import', { path: root, verify: 'header', allowDuplicate: true });
    expect(r2.skippedByReason).toEqual({ undecodable_image: 1 });
  });

  it('thumbnails refuse a bomb (an image replaced by one after import)', async () => {
    const d = dir();
    const img = path.join(d, 'images', 'x.png');
    writeBombPng(img);
    const t = new Thumbnails(dir());
    const e = await failure(t.get({ datasetId: 'ds-x', itemId: 7, file: img, root: path.join(d, 'images'), frame: null, width: 40, height: 30 }, 64));
    expect(e.message).toBe('no thumbnail for item 7: the image is too large to decode: 16000 x 16000 pixels (256.0 Mpx; the limit is 67.1 Mpx)');
  });
});

describe('symlinks that leave the dataset folder', () => {
  it('a link to a file outside, and a file in a linked folder outside, are skipped; a link inside is followed', async () => {
    const h = host();
    const outside = dir();
    await writeImage(path.join(outside, 'secret.png'), { seed: 9 });
    await writeImage(path.join(outside, 'sub', 'y.png'), { seed: 8 });
    const root = dir();
    await writeImage(path.join(root, 'images', 'a.png'), { seed: 1 });
    fs.symlinkSync(path.join(outside, 'secret.png'), path.join(root, 'images', 'evil.png'));
    fs.symlinkSync(path.join(outside, 'sub'), path.join(root, 'images', 'linked'));
    fs.symlinkSync('a.png', path.join(root, 'images', 'alias.png'));
    writeText(path.join(root, 'captions.csv'), 'image,caption\na.png,a dog\nevil.png,a cat\nlinked/y.png,a bird\nalias.png,a dog again\n');
    const pv = await call<ImportPreview>(h, 'datasets.preview', { path: root });
    expect(pv.rows.map((r) => `${r.key}:${r.image}`)).toEqual(['a.png:ok', 'evil.png:undecodable', 'linked/y.png:undecodable', 'alias.png:ok']);
    const r = await call<ImportReport>(h, 'datasets.import', { path: root });
    expect(r.counts).toMatchObject({ items: 2, captions: 2 });
    const outsideMsg = 'a symbolic link (or a file in a linked folder) that leads outside the dataset folder: not followed (1 caption not imported)';
    expect(r.skipped).toEqual([
      { file: 'captions.csv', line: 3, reason: 'unsupported_file', message: `unsupported image file evil.png: ${outsideMsg}` },
      { file: 'captions.csv', line: 4, reason: 'unsupported_file', message: `unsupported image file linked/y.png: ${outsideMsg}` },
    ]);
  });

  it('datasets.thumbnail checks at serve time: an image replaced by a link out of the folder is not served', async () => {
    const h = host();
    const outside = dir();
    await writeImage(path.join(outside, 'secret.png'), { seed: 9 });
    const root = dir();
    await writeImage(path.join(root, 'cat', 'a.png'), { seed: 1 });
    await writeImage(path.join(root, 'cat', 'b.png'), { seed: 2 });
    const r = await call<ImportReport>(h, 'datasets.import', { path: root });
    const page = await call<ItemsPage>(h, 'datasets.items', { id: r.dataset.id, offset: 0, limit: 10 });
    const [a, b] = page.items;
    await call<Thumbnail>(h, 'datasets.thumbnail', { itemId: a?.id, size: 64 });
    fs.rmSync(path.join(root, 'cat', 'b.png'));
    fs.symlinkSync(path.join(outside, 'secret.png'), path.join(root, 'cat', 'b.png'));
    const e = await failure(call(h, 'datasets.thumbnail', { itemId: b?.id, size: 64 }));
    expect(e.message).toBe(`the image of item ${b?.id} is a link that leads outside the dataset folder; not served`);
    const many = await call<{ thumbnails: Thumbnail[]; missing: number[] }>(h, 'datasets.thumbnails', { itemIds: [a?.id, b?.id], size: 64 });
    expect(many.missing).toEqual([b?.id]);
  });
});

describe('text encodings', () => {
  it('a Latin-1 caption comes out as café, and the report says how it was decoded', async () => {
    const h = host();
    const d = dir();
    const f = path.join(d, 'captions.csv');
    fs.writeFileSync(
      f,
      Buffer.concat([
        Buffer.from('image,caption\na.jpg,un caf'),
        Buffer.from([0xe9]),
        Buffer.from(' au coin\nb.jpg,plain words\nc.jpg,na'),
        Buffer.from([0xef]),
        Buffer.from('ve\n'),
      ]),
    );
    const pv = await call<ImportPreview>(h, 'datasets.preview', { path: f });
    expect(pv.rows.map((r) => r.caption)).toEqual(['un café au coin', 'plain words', 'naïve']);
    const notes = [
      'captions.csv: line 2 is not valid UTF-8; decoded as windows-1252 (Latin-1)',
      'captions.csv: 2 lines are not valid UTF-8 and were decoded as windows-1252 (the first is line 2)',
    ];
    expect(pv.notes).toEqual(notes);
    const r = await call<ImportReport>(h, 'datasets.import', { path: f });
    expect(r.counts).toMatchObject({ captions: 3, skipped: 0 });
    expect(r.notes).toEqual(notes);
    const page = await call<ItemsPage>(h, 'datasets.items', { id: r.dataset.id, offset: 0, limit: 10 });
    const all = JSON.stringify(page);
    expect(all).toContain('un café au coin');
    expect(all).not.toContain('\ufffd');
  });

  it('mlbl import prints how a Latin-1 file was decoded', async () => {
    const d = dir();
    const f = path.join(d, 'captions.csv');
    fs.writeFileSync(f, Buffer.concat([Buffer.from('image,caption\na.jpg,un caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const mlbl = path.resolve(import.meta.dirname ?? '.', '../../../bin/mlbl.js');
    const { stdout } = await promisify(execFile)(process.execPath, [mlbl, 'import', f, '--data-dir', dir()]);
    expect(stdout).toContain('  note: captions.csv: line 2 is not valid UTF-8; decoded as windows-1252 (Latin-1)\n');
  });

  it('a binary line (NUL bytes) in a token file is skipped with its line number', async () => {
    const h = host();
    const f = path.join(dir(), 'Flickr8k.token.txt');
    fs.writeFileSync(f, Buffer.concat([Buffer.from('a.jpg#0\tA dog runs\nb.jpg#0\tA c'), Buffer.from([0, 1, 2]), Buffer.from('at\nc.jpg#0\tA bird\n')]));
    const r = await call<ImportReport>(h, 'datasets.import', { path: f });
    expect(r.counts).toMatchObject({ captions: 2, skipped: 1 });
    expect(r.skipped).toEqual([{ file: 'Flickr8k.token.txt', line: 2, reason: 'malformed_line', message: 'line 2 holds a NUL byte (binary data, not text)' }]);
  });
});
