// Runs a compiled test worker and resolves with its one message (rejects on error or early exit).
import { Worker } from 'node:worker_threads';

export function runWorker<T>(name: string, data: unknown): Promise<T> {
  const url = new URL(`../workers/${name}.js`, import.meta.url);
  return new Promise((resolve, reject) => {
    const w = new Worker(url, { workerData: data });
    let got = false;
    w.once('message', (m: T) => {
      got = true;
      resolve(m);
    });
    w.once('error', reject);
    w.once('exit', (code) => {
      if (!got) reject(new Error(`worker ${name} exited with ${code} before reporting`));
    });
  });
}
