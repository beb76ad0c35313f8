import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../electron/engine/layout.js';
import { serviceDefs } from '../../electron/steps/windows/services.js';
import { winswXml } from '../../electron/steps/windows/winswXml.js';
import { splitWindowsCommandLine } from '../support/wine/wine.js';
import { exampleAnswers } from '../support/windows-sim.js';

/**
 * The WinSW XML the services step writes, read the way WinSW 2.12.0 reads it: validated by libxml2
 * (xmllint) against test/fixtures/windows/winsw/winsw-2.12.xsd, which we wrote from WinSW's source
 * at v2.12.0 (see its header), and whose grounding is that WinSW's own v2.12.0 samples pass it.
 * What a schema pattern cannot say (Enum.Parse ignoring case, the command line) is checked here
 * against the same source.
 */
const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'windows', 'winsw');
const XSD = path.join(FIXTURES, 'winsw-2.12.xsd');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
if (!hasXmllint && process.env.CI === 'true')
  throw new Error('xmllint is required in CI (apt-get install libxml2-utils)');

/** libxml2's verdict on one document: '' when valid, else its messages. */
function validate(xml: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'qatrack-winsw-')), 'service.xml');
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return r.status === 0 ? '' : r.stderr;
}

/** ConfigHelper.ParseTimeSpan (src/WinSW.Core/Util/ConfigHelper.cs@v2.12.0), in milliseconds. */
const SUFFIX_MS: [string, number][] = [
  ['ms', 1],
  ['sec', 1000],
  ['secs', 1000],
  ['min', 60_000],
  ['mins', 60_000],
  ['hr', 3_600_000],
  ['hrs', 3_600_000],
  ['hour', 3_600_000],
  ['hours', 3_600_000],
  ['day', 86_400_000],
  ['days', 86_400_000],
];
function parseTimeSpan(v: string): number {
  const t = v.trim();
  // First suffix in the dictionary's order that the text ends with, as the C# loop does.
  for (const [s, ms] of SUFFIX_MS) if (t.endsWith(s)) return parseDotnetInt(t.slice(0, -s.length)) * ms;
  return parseDotnetInt(t);
}
function parseDotnetInt(v: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(v)) throw new Error(`int.Parse would throw on "${v}"`);
  return Number(v.trim());
}

// Enum.Parse(type, value, ignoreCase: true) over these names (Microsoft Learn:
// System.ServiceProcess.ServiceStartMode, System.Diagnostics.ProcessPriorityClass).
const START_MODES = ['Boot', 'System', 'Automatic', 'Manual', 'Disabled'];
const PRIORITIES = ['Normal', 'Idle', 'High', 'RealTime', 'BelowNormal', 'AboveNormal'];
const inEnum = (names: string[], v: string) => names.some((n) => n.toLowerCase() === v.trim().toLowerCase());

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (name) => ['env', 'onfailure', 'depend'].includes(name),
});

describe.skipIf(!hasXmllint)('WinSW 2.12 reads the service XML we write', () => {
  const { answers } = exampleAnswers((a) => {
    a.database.server = 'localhost';
  });
  const defs = serviceDefs(answers, computeLayout(answers, 'win32'));

  it("WinSW's own v2.12.0 samples pass the schema (the schema is not stricter than WinSW)", () => {
    for (const f of ['sample-minimal.xml', 'sample-allOptions.xml'])
      expect(validate(readFileSync(path.join(FIXTURES, f), 'utf8')), f).toBe('');
  });

  it('every service XML (workers and tasks) passes the schema', () => {
    expect(defs.map((d) => d.spec.id)).toEqual([
      'QATrackWorker1',
      'QATrackWorker2',
      'QATrackWorker3',
      'QATrackTasks',
    ]);
    for (const d of defs) expect(validate(d.xml), d.spec.id).toBe('');
  });

  it('the schema refuses what WinSW would misread: a wrong-case name, a bad time span, an unknown log mode', () => {
    const xml = defs[0]!.xml;
    // XPath is case-sensitive: <delayedautostart/> would silently give a plain automatic start.
    expect(validate(xml.replace('<delayedAutoStart/>', '<delayedautostart/>'))).toMatch(
      /delayedautostart.*not expected/,
    );
    // "20s" ends with no suffix ParseTimeSpan knows, and int.Parse("20s") throws.
    expect(validate(xml.replace('20 sec', '20s'))).toMatch(/stoptimeout/);
    expect(validate(xml.replace('roll-by-size', 'roll-by-sizes'))).toMatch(/mode/);
    expect(validate(xml.replace(/ value="1"/, ''))).toMatch(/env.*value/);
  });

  it('what WinSW does with the values: required elements, enums, time spans, the command line', () => {
    for (const d of defs) {
      const { service: s } = parser.parse(d.xml) as { service: Record<string, any> };
      // SingleElement(tagName) without `optional`: WinSW refuses to start without these.
      for (const required of ['id', 'name', 'description', 'executable'])
        expect(typeof s[required], `${d.spec.id} <${required}>`).toBe('string');
      expect(inEnum(START_MODES, s.startmode)).toBe(true);
      expect(inEnum(PRIORITIES, s.priority)).toBe(true);
      expect('delayedAutoStart' in s).toBe(true);
      expect(s.onfailure.map((f: any) => [f['@action'], parseTimeSpan(f['@delay'])])).toEqual([
        ['restart', 10_000],
        ['restart', 30_000],
        ['restart', 120_000],
      ]);
      expect(parseTimeSpan(s.resetfailure)).toBe(3_600_000);
      expect(parseTimeSpan(s.stoptimeout)).toBe(20_000);
      // roll-by-size: sizeThreshold is in KB (SizeBasedRollingLogAppender.BytesPerKB).
      expect(s.log['@mode']).toBe('roll-by-size');
      expect(parseDotnetInt(String(s.log.sizeThreshold)) * 1024).toBe(10 * 1024 * 1024);
      // <arguments> is used as the command line as it stands (after %VAR% expansion, and none of
      // our validated paths holds a %); the child's C runtime splits it back into the spec's argv.
      expect(String(s.arguments)).not.toContain('%');
      expect(splitWindowsCommandLine(`"${s.executable}" ${s.arguments}`)).toEqual([
        d.spec.executable,
        ...d.spec.arguments,
      ]);
      expect(Object.fromEntries(s.env.map((e: any) => [e['@name'], e['@value']]))).toEqual(d.spec.env);
      expect(s.depend).toEqual(['MSSQL$QATRACK']);
    }
  });

  it('an argument with a space or a quote survives the command line (quoteArg, MSVC rules)', () => {
    const args = ['C:\\Program Files\\x.py', 'say "hi"', '', 'plain'];
    const xml = winswXml({ ...defs[0]!.spec, arguments: args });
    expect(validate(xml)).toBe('');
    const { service: s } = parser.parse(xml) as { service: Record<string, any> };
    expect(splitWindowsCommandLine(`x ${s.arguments}`).slice(1)).toEqual(args);
  });
});
