import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { modelArchiveName, zipFiles } from './zip';

/** Reads a zip through its central directory, as an unzip tool does (checking each CRC). */
function readZip(buf: Buffer): Map<string, Buffer> {
  const endAt = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(endAt).toBeGreaterThan(0);
  const count = buf.readUInt16LE(endAt + 10);
  let at = buf.readUInt32LE(endAt + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(at)).toBe(0x02014b50);
    const crc = buf.readUInt32LE(at + 16);
    const packed = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    expect(buf.readUInt32LE(local)).toBe(0x04034b50);
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = zlib.inflateRawSync(buf.subarray(dataAt, dataAt + packed));
    expect(zlib.crc32(data)).toBe(crc);
    out.set(name, data);
    at += 46 + nameLen + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return out;
}

describe('zipFiles', () => {
  it('holds every file byte for byte', () => {
    const weights = Buffer.from(Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i)).buffer);
    const zip = zipFiles([
      { name: 'model.json', data: Buffer.from('{"format":"layers-model"}') },
      { name: 'weights.bin', data: weights },
      { name: 'vocabulary.json', data: Buffer.from('{"words":["<unk>","ä"]}') },
    ]);
    const files = readZip(zip);
    expect([...files.keys()]).toEqual(['model.json', 'weights.bin', 'vocabulary.json']);
    expect(files.get('weights.bin')?.equals(weights)).toBe(true);
    expect(files.get('vocabulary.json')?.toString()).toBe('{"words":["<unk>","ä"]}');
  });

  it('is read by the system unzip where there is one', () => {
    const probe = spawnSync('unzip', ['-v'], { encoding: 'utf8' });
    if (probe.error) return; // no unzip on this machine: the reader above checked the format
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zip-'));
    const file = path.join(dir, 'a.zip');
    fs.writeFileSync(file, zipFiles([{ name: 'a.txt', data: Buffer.from('hello') }]));
    const r = spawnSync('unzip', ['-p', file, 'a.txt'], { encoding: 'utf8' });
    expect(r.stdout).toBe('hello');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names the archive after the run', () => {
    expect(modelArchiveName({ id: 'run-mxb0s8o5-36eafd', name: 'LeNet-5 baseline', preset: 'lenet5-mnist' })).toBe('lenet-5-baseline-36eafd-model.zip');
    expect(modelArchiveName({ id: 'abc', name: '', preset: 'mlbl-b' })).toBe('mlbl-b-abc-model.zip');
  });
});
