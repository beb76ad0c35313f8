import { describe, expect, it } from 'vitest';
import { cleanServer, withExistingSql } from '../../electron/hosts/sim/windows/seed.js';
import { exampleAnswers, newStateFile, readState, sim, writeState } from '../support/windows-sim.js';

const CHROME = 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe';
const pdfOf = (r: { checks: { id: string; ok: boolean; detail: string; warning?: boolean }[] }) =>
  r.checks.find((c) => c.id === 'pdf');

describe('Windows PDF check on sim (answered by a running worker service)', () => {
  it('Chrome installed from the bundle: the worker renders a page; plans pass the worker --pdf-check-dir', async () => {
    const a = exampleAnswers((x) => (x.chrome = { mode: 'bundle' }));
    const file = newStateFile(withExistingSql(cleanServer()));
    const plan = await sim('plan', file, a);
    const xml = plan.steps
      .flatMap((s) => s.actions)
      .find((x) => x.kind === 'writeFile' && x.path.endsWith('QATrackWorker1.xml'));
    expect(JSON.stringify(xml)).toContain('--pdf-check-dir D:\\\\QATrackData\\\\logs');
    const report = await sim('install', file, a);
    expect(report.error ?? null).toBeNull();
    expect(pdfOf(report)).toMatchObject({ ok: true });
    expect(pdfOf(report)!.detail).toContain(`1 page, 14132 bytes, rendered with ${CHROME}`);
  });

  it('Chrome removed after install: verify says Chrome is missing; workers stopped: nobody answers', async () => {
    const a = exampleAnswers((x) => (x.chrome = { mode: 'bundle' }));
    const file = newStateFile(withExistingSql(cleanServer()));
    expect((await sim('install', file, a)).error ?? null).toBeNull();
    const s = readState(file);
    const key = Object.keys(s.files).find((k) => k.toLowerCase() === CHROME.toLowerCase())!;
    delete s.files[key];
    writeState(file, s);
    const missing = await sim('verify', file, a);
    expect(pdfOf(missing)).toMatchObject({ ok: false });
    expect(pdfOf(missing)!.detail).toBe(`Chrome is missing: CHROME_PATH ${CHROME} is not an executable file`);
    for (const svc of Object.values(s.services)) svc.state = 'stopped';
    writeState(file, s);
    const none = await sim('verify', file, a);
    expect(pdfOf(none)!.detail).toBe('no worker answered the PDF check within 90 seconds');
  });
});
