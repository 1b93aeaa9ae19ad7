// Loaded with --import into processes the stand-in utilityProcess.fork starts (electron-stand-in.ts):
// gives them Electron's `process.parentPort` on top of Node's IPC channel, as a utility process
// has. It replaces only the Electron binary, which cannot run here. Like Chromium, which ends
// utility processes with the app, the child exits when its parent goes away.
import process from 'node:process';

const listeners = new Set();
process.on('message', (data) => {
  for (const l of listeners) l({ data, ports: [] });
});
process.on('disconnect', () => process.exit(2));
process.parentPort = {
  postMessage: (m) => {
    if (process.connected) process.send(m);
  },
  on: (ev, cb) => {
    if (ev === 'message') listeners.add(cb);
  },
  once: (ev, cb) => {
    if (ev !== 'message') return;
    const once = (e) => {
      listeners.delete(once);
      cb(e);
    };
    listeners.add(once);
  },
};
