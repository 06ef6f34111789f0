import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSupervisor, type ChildExit, type ChildSpec } from '../../scripts/supervisor.ts';

const dir = mkdtempSync(join(tmpdir(), 'qsh-supervisor-'));
const supervisor = createSupervisor();
afterEach(() => supervisor.stopAll());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A node child running `code`, its output in a log file of its own. */
function node(name: string, code: string, more: Partial<ChildSpec> = {}): ChildSpec {
  return { name, command: process.execPath, args: ['-e', code], output: { file: join(dir, `${name}.log`) }, ...more };
}

describe('supervisor', () => {
  it('waits for the line a child prints when it is ready, and keeps its output in the log file', async () => {
    const child = supervisor.start(node('echo', `console.log('booting'); setTimeout(() => console.log('READY on 1234'), 200); setInterval(() => {}, 1000);`));
    expect(await child.waitForLine(/^READY on (\d+)$/, 10_000)).toBe('READY on 1234');
    expect(child.running()).toBe(true);
    await child.stop();
    expect(readFileSync(join(dir, 'echo.log'), 'utf8')).toBe('booting\nREADY on 1234\n');
  });

  it('fails a wait at once, with the end of its output, when the child exits before it is ready', async () => {
    const child = supervisor.start(node('crasher', `console.error('port 7233 in use'); process.exit(3);`));
    const started = Date.now();
    await expect(child.waitForLine(/READY/, 60_000)).rejects.toThrow(/crasher exited \(code 3\) before printing a line matching \/READY\/.*\n.*port 7233 in use/s);
    await expect(child.waitFor('it answered', async () => false, { timeoutMs: 60_000 })).rejects.toThrow(/crasher exited \(code 3\) before it answered/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('waits until a URL answers 200, and says what it answered until then', async () => {
    let calls = 0;
    const server = createServer((_req, res) => {
      calls += 1;
      res.statusCode = calls < 3 ? 503 : 200;
      res.end(calls < 3 ? 'temporal: down' : 'ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
    try {
      const child = supervisor.start(node('sleeper', 'setInterval(() => {}, 1000);'));
      await child.waitForUrl(url, { timeoutMs: 10_000, intervalMs: 50 });
      expect(calls).toBe(3);
      await expect(child.waitForUrl(url, { timeoutMs: 200, intervalMs: 50, accept: (status) => status === 204 })).rejects.toThrow(/no sign that .* answered within 0 s \(HTTP 200: ok\)/);
    } finally {
      server.close();
    }
  });

  it('stops a child with SIGTERM, and with SIGKILL when it ignores SIGTERM for longer than the grace', async () => {
    const polite = supervisor.start(node('polite', `process.on('SIGTERM', () => process.exit(0)); console.log('up'); setInterval(() => {}, 1000);`));
    await polite.waitForLine(/up/, 10_000);
    await polite.stop();
    expect(await polite.exited).toEqual({ code: 0, signal: null });

    const stubborn = supervisor.start(node('stubborn', `process.on('SIGTERM', () => console.log('ignored')); console.log('up'); setInterval(() => {}, 1000);`));
    await stubborn.waitForLine(/up/, 10_000);
    await stubborn.stop(300);
    expect(await stubborn.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(stubborn.outputTail()).toContain('ignored');
  });

  it('tells of an exit nobody asked for, but not of a stop or a kill', async () => {
    const unexpected: Array<[string, ChildExit]> = [];
    const onUnexpectedExit = (name: string) => (exit: ChildExit) => unexpected.push([name, exit]);
    const crash = supervisor.start(node('crash', 'setTimeout(() => process.exit(5), 100);', { onUnexpectedExit: onUnexpectedExit('crash') }));
    const killed = supervisor.start(node('killed', 'setInterval(() => {}, 1000);', { onUnexpectedExit: onUnexpectedExit('killed') }));
    const stopped = supervisor.start(node('stopped', 'setInterval(() => {}, 1000);', { onUnexpectedExit: onUnexpectedExit('stopped') }));
    await crash.exited;
    killed.kill('SIGKILL');
    await killed.exited;
    await stopped.stop();
    expect(unexpected).toEqual([['crash', { code: 5, signal: null }]]);
  });

  it('stops every running child, the last started first', async () => {
    const order: string[] = [];
    const children = ['temporal', 'worker', 'web'].map((name) =>
      supervisor.start(node(name, `process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); console.log('up'); setInterval(() => {}, 1000);`)),
    );
    for (const c of children) {
      await c.waitForLine(/up/, 10_000);
      void c.exited.then(() => order.push(c.name));
    }
    await supervisor.stopAll();
    expect(order).toEqual(['web', 'worker', 'temporal']);
    expect(children.every((c) => !c.running())).toBe(true);
  });

  it('reports a command that cannot be started as an exit, not a crash of this process', async () => {
    const child = supervisor.start({ name: 'missing', command: join(dir, 'no-such-binary'), args: [], output: { file: join(dir, 'missing.log') } });
    expect(child.pid).toBeUndefined();
    await expect(child.waitFor('it answered', async () => false, { timeoutMs: 10_000 })).rejects.toThrow(/missing exited \(not started\) before it answered.*ENOENT/s);
  });
});
