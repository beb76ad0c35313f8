import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadAnswers } from '../../electron/engine/answers/index.js';

const base = () => JSON.parse(readFileSync('resources/examples/answers.json', 'utf8'));
const issues = (edit: (a: any) => void) => {
  const a = base();
  edit(a);
  const r = loadAnswers(a);
  return r.ok ? [] : r.issues;
};

describe('Windows-specific bad input names the field and what is allowed', () => {
  const instances: [string, RegExp][] = [
    ['SQL]EXPRESS', /letters, digits/],
    ['SQLEXPRESS2019ABCDE', /at most 16/],
    ['1QATRACK', /start with a letter/],
    ['DEFAULT', /reserved/],
    ["QA'TRACK", /letters, digits/],
  ];
  for (const [value, message] of instances)
    it(`instance name ${JSON.stringify(value)}`, () => {
      const i = issues((a) => (a.database.instance = value));
      expect(i.find((x) => x.path === 'database.instance')?.message).toMatch(message);
    });

  const thumbs = ['abc', 'G'.repeat(40), 'A'.repeat(41), 'A1B2C3D4E5F60718293A4B5C6D7E8F901234567'];
  for (const t of thumbs)
    it(`certificate thumbprint ${JSON.stringify(t)}`, () => {
      const i = issues((a) => (a.site.https.certificate = { mode: 'thumbprint', thumbprint: t }));
      expect(i.find((x) => x.path === 'site.https.certificate.thumbprint')?.message).toMatch(
        /40 hexadecimal digits/,
      );
    });

  it('a thumbprint copied from the certificate dialog (spaces, lower case, invisible U+200E) is accepted and normalised', () => {
    const a = base();
    a.site.https.certificate = {
      mode: 'thumbprint',
      thumbprint: '\u200ea1 b2 c3 d4 e5 f6 07 18 29 3a 4b 5c 6d 7e 8f 90 12 34 56 78',
    };
    const r = loadAnswers(a);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.answers.site.https.certificate).toEqual({
      mode: 'thumbprint',
      thumbprint: 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678',
    });
  });

  const hosts = [
    'bad host',
    'qatrack_.hospital',
    '-qatrack.local',
    'qatrack-.local',
    `${'a'.repeat(64)}.local`,
    'x'.repeat(254),
    'qätrack.local',
    '',
  ];
  for (const h of hosts)
    it(`host name ${JSON.stringify(h.length > 30 ? h.slice(0, 20) + '…' : h)}`, () => {
      const i = issues((a) => (a.site.hostNames = [h]));
      expect(i.some((x) => x.path === 'site.hostNames.0')).toBe(true);
    });
});

describe('site.defaultWebSite and site.maxUploadMB (issue 10 items 1 and 7)', () => {
  it('an unknown Default Web Site choice names the field and the two allowed values', () => {
    const i = issues((a) => (a.site.defaultWebSite = 'disable'));
    expect(i.find((x) => x.path === 'site.defaultWebSite')?.message).toMatch(/"stop".*"keep"/);
  });

  it('the CLI exits 64 for it and changes nothing', async () => {
    const { mkdtempSync, writeFileSync, existsSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { runCli } = await import('../support/cli.js');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qatrack-badin-'));
    const a = base();
    a.site.defaultWebSite = 'disable';
    a.site.maxUploadMB = 0;
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(a));
    const state = path.join(dir, 'state.json');
    const r = await runCli(['install', '--yes', '--host', `sim:${state}`, '--answers', file]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/^ {2}.*\(site\.defaultWebSite\): .*"stop".*"keep"/m);
    expect(r.stderr).toMatch(/^ {2}.*\(site\.maxUploadMB\): must be from 1 to 4095/m);
    expect(existsSync(state)).toBe(false);
  });
});
