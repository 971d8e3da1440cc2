// The engine's idle step watches every source (src/pipeline/idle.ts): a forwarder's two PortIns
// both get a slice of the wait, and traffic already waiting on either ends it before anyone sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, Config, Engine, PortIn, PortOut, Sink, Source } from '../../src/index.js';
import { idleAll } from '../../src/pipeline/idle.js';
import { withPool } from './fixtures/pool.js';


const waits: Record<string, number[]> = {};
const readyNow: Record<string, boolean> = {};
class Quiet extends App {
  static override inputs = [] as const;
  static override outputs = ['out'] as const;
  override pull(): number { return 0; }
  override idle(timeoutMs: number): void { (waits[this.name] ??= []).push(timeoutMs); }
  override hasTraffic(): boolean { return readyNow[this.name] === true; }
}

test('an idle engine with two sources waits on both, each for half the timeout', () => withPool((pool) => {
  for (const k of Object.keys(waits)) delete waits[k];
  const e = new Engine({ pool });
  e.configure(new Config().app('rxa', Quiet).app('rxb', Quiet).app('sa', Sink).app('sb', Sink).link('rxa.out -> sa.in').link('rxb.out -> sb.in'));
  e.run({ breaths: 64 * 10, idleSpins: 64 });
  e.stop();
  assert.equal(waits.rxa?.length, 10, 'port a waited once per idle step');
  assert.equal(waits.rxb?.length, 10, 'port b waited once per idle step (before: never)');
  assert.ok([...waits.rxa!, ...waits.rxb!].every((t) => t === 0.5), 'each gets half of the 1 ms step');
}, 1024));

test('traffic waiting on either source ends the idle wait before anyone sleeps', () => {
  for (const k of Object.keys(waits)) delete waits[k];
  const a = Object.assign(Object.create(Quiet.prototype) as Quiet, { name: 'a' });
  const b = Object.assign(Object.create(Quiet.prototype) as Quiet, { name: 'b' });
  readyNow.b = true;
  idleAll([a, b], 1);
  assert.deepEqual(waits, {}, 'b had packets: nobody slept');
  readyNow.b = false;
  idleAll([a, b], 1);
  assert.deepEqual(waits, { a: [0.5], b: [0.5] });
  idleAll([a], 1);
  assert.deepEqual(waits.a, [0.5, 1], 'one source: the whole timeout, as before');
  delete readyNow.b;
});

test('PortIn.hasTraffic() sees packets waiting in a ring port', () => withPool((pool) => {
  // engine 1 sends into ring:idle-r end 0; engine 2's PortIn on end 1 must see them as ready
  const e1 = new Engine({ pool });
  e1.configure(new Config().app('gen', Source, { count: 10 }).app('tx', PortOut, { port: 'ring:idle-r', full: 'drop' }).link('gen.out -> tx.in'));
  const e2 = new Engine({ pool });
  e2.configure(new Config().app('rx', PortIn, { port: 'ring:idle-r' }).app('sink', Sink).link('rx.out -> sink.in'));
  const rx = e2.app<PortIn>('rx')!;
  assert.equal(rx.hasTraffic(), false, 'nothing sent yet');
  e1.run({ breaths: 4 });
  assert.equal(rx.hasTraffic(), true, 'packets wait in the ring');
  e2.run({ breaths: 4 });
  assert.equal(rx.hasTraffic(), false, 'drained');
  e2.stop();
  e1.stop();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
}, 1024));
