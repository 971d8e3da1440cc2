// tap ports: the TAP interface is created (and removed at close), what the kernel sends out of it
// the port receives byte-identical and what the port sends the kernel receives; two queues use
// IFF_MULTI_QUEUE; and the punt path: `ringway fwd --a af_packet:VETH --b tap:TAP` bridges a veth
// to a TAP whose address the kernel answers, so a ping from the other namespace gets its reply.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hex, kernelToPort, portToKernel, receivedHex, udpFrame, withLab, type Lab } from './lab.js';

const exists = (lab: Lab, ns: string, dev: string) => lab.exec(ns, 'ip', ['-o', 'link']).includes(`: ${dev}:`);

test('tap: created and removed, kernel -> port and port -> kernel byte-identical, audit', (t) => withLab(t, async (lab) => {
  const ns = lab.netns();
  const tap = `rwt${process.pid % 10000}`;
  const ag = lab.agent(ns, { spec: `tap:${tap}` });
  const ready = await ag.next();
  assert.match(ready.kernel.mode, /^created/);
  assert.ok(exists(lab, ns, tap), 'TAP exists while open');
  assert.equal(ready.info.mac, lab.exec(ns, 'cat', [`/sys/class/net/${tap}/address`]).trim());
  assert.equal(ready.info.mtu, 1500);
  assert.equal(ready.info.linkUp, true, 'up with carrier while the port holds it');

  const frames = Array.from({ length: 200 }, (_, i) => udpFrame(i, 0));
  const got = await kernelToPort(lab, ag, ns, tap, frames); // the kernel transmits on the TAP: the port receives
  assert.deepEqual(receivedHex(got), frames.map(hex));

  const out = Array.from({ length: 100 }, (_, i) => udpFrame(500 + i, 1));
  await portToKernel(ag, ns, tap, out); // the kernel receives what the port sent

  assert.deepEqual((await ag.cmd({ cmd: 'close' })).audit, { missing: 0, duplicates: 0 });
  assert.ok(!exists(lab, ns, tap), 'a TAP the port created is gone after close');
}));

test('tap: two queues (IFF_MULTI_QUEUE) receive every flow; an existing TAP is attached and kept', (t) => withLab(t, async (lab) => {
  const ns = lab.netns();
  const tap = `rwq${process.pid % 10000}`;
  lab.exec(ns, 'ip', ['tuntap', 'add', tap, 'mode', 'tap', 'multi_queue']);
  const ag = lab.agent(ns, { spec: `tap:${tap}`, queues: 2 });
  const ready = await ag.next();
  assert.match(ready.kernel.mode, /^attached/);
  const frames = Array.from({ length: 300 }, (_, i) => udpFrame(i, i % 16));
  const got = await kernelToPort(lab, ag, ns, tap, frames);
  assert.deepEqual(receivedHex(got, true), frames.map(hex).sort());
  assert.deepEqual((await ag.cmd({ cmd: 'close' })).audit, { missing: 0, duplicates: 0 });
  assert.ok(exists(lab, ns, tap), 'an attached (persistent) TAP stays');
}));

test('tap punt path: ping through af_packet <-> tap forwarding gets its replies from the kernel', (t) => withLab(t, async (lab) => {
  const ns1 = lab.netns(), ns2 = lab.netns();
  const { a, b } = lab.veth(ns1, ns2);
  lab.exec(ns1, 'ip', ['addr', 'add', '198.18.2.1/24', 'dev', a]);
  const tap = `rwp${process.pid % 10000}`;
  const cli = fileURLToPath(new URL('../../src/cli/ringway.js', import.meta.url));
  const fwd = spawn('ip', ['netns', 'exec', ns2, process.execPath, cli, 'fwd', '--a', `af_packet:${b}`, '--b', `tap:${tap}`, '--duration', '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  fwd.stdout.on('data', (d) => (out += d));
  fwd.stderr.on('data', (d) => (out += d));
  const done = new Promise<number | null>((res) => fwd.once('exit', (c) => res(c)));
  for (let i = 0; i < 100 && !exists(lab, ns2, tap); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(exists(lab, ns2, tap), `forwarder created the TAP: ${out}`);
  lab.exec(ns2, 'ip', ['addr', 'add', '198.18.2.2/24', 'dev', tap]);
  // a python3 ping: ICMP echo requests from ns1, counting the echo replies
  const py = 'import socket,struct,sys,time\ns=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_ICMP)\ns.settimeout(2)\nok=0\n' +
    'def ck(b):\n  s_=sum(struct.unpack("!%dH"%(len(b)//2),b))\n  s_=(s_>>16)+(s_&0xffff); s_+=s_>>16\n  return ~s_&0xffff\n' +
    'for seq in range(3):\n  h=struct.pack("!BBHHH",8,0,0,0x5257,seq)+b"ringway-punt"\n  h=h[:2]+struct.pack("!H",ck(h))+h[4:]\n' +
    '  s.sendto(h,(sys.argv[1],0))\n  end=time.time()+2\n  while time.time()<end:\n    try: d=s.recv(2048)\n    except socket.timeout: break\n' +
    '    if d[20]==0 and struct.unpack("!HH",d[24:28])==(0x5257,seq): ok+=1; break\nprint(ok)\n';
  const replies = Number(lab.exec(ns1, 'python3', ['-c', py, '198.18.2.2']).trim());
  assert.equal(replies, 3, `3 echo replies through the punt path; forwarder said: ${out}`);
  fwd.kill('SIGINT');
  assert.equal(await done, 0, out);
  assert.match(out, /0 missing, 0 duplicated/, 'the forwarder accounts for every buffer');
  assert.ok(!exists(lab, ns2, tap), 'the TAP is gone with the forwarder');
}));
