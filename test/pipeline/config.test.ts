// Configurations: validation errors name the app, the field or the link; graphs print as DOT and
// Mermaid; JSON round trips through the built-in app registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, Config, ConfigError, MacSwap, PortIn, PortOut, Sink, Source, builtinApps, f, topoOrder } from '../../src/index.js';

const bad = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof ConfigError && e.code === 'ERR_RINGWAY_BAD_CONFIG' && re.test(e.message), `expected ${re}`);

test('field errors name the app, the field and what is accepted', () => {
  bad(() => new Config().app('rx', PortIn, {} as never), /app 'rx' \(PortIn\): field 'port' is required: a string such as "null:size=64"/);
  bad(() => new Config().app('rx', PortIn, { port: 'null', burst: 0 }), /app 'rx' \(PortIn\): field 'burst': 0 is not an integer 1..1024/);
  bad(() => new Config().app('rx', PortIn, { port: 'null', bogus: 1 } as never), /app 'rx' \(PortIn\): unknown field 'bogus'; it takes port, name, queue, burst/);
  bad(() => new Config().app('tx', PortOut, { port: 'null', full: 'block' as never }), /field 'full': "block" is not one of "drop", "wait"/);
  bad(() => new Config().app('swap', MacSwap, { x: 1 } as never), /app 'swap' \(MacSwap\): unknown field 'x'; it takes no configuration/);
  bad(() => new Config().app('g', Source, { template: [1, 300] }), /field 'template': \[1\]: 300 is not an integer 0..255/);
  bad(() => new Config().app('1x', Sink), /app name "1x"/);
  bad(() => new Config().app('a', Sink).app('a', Sink), /app 'a' is defined twice/);
  bad(() => new Config().app('a', {} as never), /is not an App class/);
});

test('graph errors name the link and what exists', () => {
  const base = () => new Config().app('rx', PortIn, { port: 'null' }).app('swap', MacSwap).app('tx', PortOut, { port: 'null' });
  bad(() => new Config().link('rx.out swap.in'), /write it as "from.output -> to.input"/);
  bad(() => base().link('rx.out -> nope.in').validate(), /link 'rx.out -> nope.in': there is no app 'nope'; apps are rx, swap, tx/);
  bad(() => base().link('rx.bogus -> swap.in').validate(), /app 'rx' \(PortIn\) has no output 'bogus'; it has out/);
  bad(() => base().link('swap.out -> rx.in').validate(), /app 'rx' \(PortIn\) has no input 'in'; it has no inputs/);
  bad(() => base().link('rx.out -> swap.in').link('rx.out -> swap.in'), /defined twice/);
  bad(() => base().link('rx.out -> swap.in').link('rx.out -> tx.in').validate(), /output rx.out already feeds 'rx.out -> swap.in'; use a Tee/);
  bad(() => base().app('s2', Sink).link('swap.out -> s2.a').link('rx.out -> s2.a').validate(), /input s2.a already takes/);
  bad(() => new Config().app('j', Sink).app('k', MacSwap).link('k.out -> k.in').validate(), /cannot link to itself/);
  bad(() => new Config().app('a', Sink, undefined, { worker: 'w' }).app('b', Sink).validate(), /apps b name no worker while others do/);
});

test('DOT and Mermaid show every app and link', () => {
  const c = new Config().app('rx', PortIn, { port: 'null' }).app('swap', MacSwap).app('tx', PortOut, { port: 'null' })
    .link('rx.out -> swap.in').link('swap.out -> tx.in').validate();
  const dot = c.toDot();
  assert.match(dot, /^digraph pipeline \{/);
  assert.match(dot, /"rx" \[label="rx\\nPortIn"\];/);
  assert.match(dot, /"rx" -> "swap" \[taillabel="out", headlabel="in"\];/);
  assert.match(dot, /"swap" -> "tx"/);
  const mm = c.toMermaid();
  assert.match(mm, /^flowchart LR/);
  assert.match(mm, /rx\["rx: PortIn"\]/);
  assert.match(mm, /swap -->\|out to in\| tx/);
  assert.deepEqual(topoOrder(c), ['rx', 'swap', 'tx']);
});

test('JSON round trip through the built-in registry, with errors for unknown classes', () => {
  const c = new Config().app('rx', PortIn, { port: 'null:size=64', burst: 16 }).app('tx', PortOut, { port: 'null' }).link('rx.out -> tx.in');
  const j = JSON.parse(JSON.stringify(c.toJSON()));
  assert.deepEqual(j.apps.rx, { app: 'PortIn', config: { port: 'null:size=64', burst: 16 } });
  const back = Config.fromJSON(j, builtinApps);
  assert.deepEqual(back.toJSON(), c.toJSON());
  bad(() => Config.fromJSON({ apps: { x: { app: 'Nope' } }, links: [] }, builtinApps), /app 'x': no app class 'Nope'; known: .*MacSwap/);
  bad(() => Config.fromJSON({ apps: {}, links: [], extra: 1 }, builtinApps), /unknown key 'extra'/);
  bad(() => Config.fromJSON({ apps: { rx: { app: 'PortIn', config: { port: 5 } } } }, builtinApps), /app 'rx' \(PortIn\): field 'port': 5 is not a string/);
});

test('a user app declares its config with types and defaults', () => {
  class Ttl extends App {
    static override schema = { min: f.int({ min: 0, max: 255, default: 1 }), mac: f.mac({ optional: true }) };
    override push(_i: number, hs: Uint32Array, n: number): void { this.out[0]!.send(hs, n); }
  }
  const c = new Config().app('t', Ttl, { mac: '02:AB:00:00:00:01' });
  assert.deepEqual(c.apps.get('t')!.config, { min: 1, mac: '02:ab:00:00:00:01' });
  bad(() => new Config().app('t', Ttl, { mac: 'zz' }), /field 'mac': "zz" is not a MAC address/);
});
