import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../electron/engine/layout.js';
import { backupTask } from '../../electron/steps/windows/backups.js';
import { serviceDefs } from '../../electron/steps/windows/services.js';
import { expressConfigurationIni } from '../../electron/steps/windows/sqlExpress.js';
import { siteWebConfig } from '../../electron/steps/windows/webConfig.js';
import { WORKER_SCRIPT } from '../../electron/steps/windows/workerScript.js';
import { exampleAnswers } from '../support/windows-sim.js';

const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'qatrack-xml-'));

function xmllint(xml: string, utf16 = false): void {
  if (!hasXmllint) {
    if (process.env.CI === 'true')
      throw new Error('xmllint is required in CI (apt-get install libxml2-utils)');
    return;
  }
  const file = path.join(tmp(), 'x.xml');
  writeFileSync(file, utf16 ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]) : xml);
  execFileSync('xmllint', ['--noout', file]);
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  allowBooleanAttributes: true,
});
const answers = (edit?: (a: any) => void) => exampleAnswers(edit).answers;

/** Elements WinSW v2.12 reads (doc/xmlConfigFile.md@v2.12.0); v3-only names such as <username> are traps. */
const WINSW_V2 = new Set([
  'id',
  'name',
  'description',
  'executable',
  'arguments',
  'workingdirectory',
  'env',
  'startmode',
  'delayedAutoStart',
  'depend',
  'onfailure',
  'resetfailure',
  'stoptimeout',
  'priority',
  'logpath',
  'log',
  'serviceaccount',
]);
const DURATION = /^\d+\s?(ms|sec|secs|min|mins|hr|hrs|hour|hours|day|days)?$/;

describe('WinSW v2 service XML', () => {
  const a = answers();
  const defs = serviceDefs(a, computeLayout(a, 'win32'));

  it('is well-formed for xmllint and fast-xml-parser', () => {
    for (const d of defs) {
      expect(XMLValidator.validate(d.xml)).toBe(true);
      xmllint(d.xml);
    }
  });

  it('uses only v2 element names, valid durations and size-rolled logs', () => {
    for (const d of defs) {
      const s = parser.parse(d.xml).service;
      for (const key of Object.keys(s))
        expect(WINSW_V2.has(key), `unknown WinSW v2 element <${key}>`).toBe(true);
      expect(s.id).toBe(d.spec.id);
      expect(s.delayedAutoStart).toBe(''); // v2: presence enables it
      expect(s.serviceaccount).toBeUndefined(); // set with sc.exe: v2 silently falls back to LocalSystem
      for (const f of s.onfailure) {
        expect(f['@action']).toBe('restart');
        expect(f['@delay']).toMatch(DURATION);
      }
      expect(s.resetfailure).toMatch(DURATION);
      expect(s.stoptimeout).toMatch(DURATION);
      expect(s.log['@mode']).toBe('roll-by-size');
      expect(Number(s.log.sizeThreshold)).toBeGreaterThan(0);
    }
  });

  it('binds each worker to its own loopback address, matching the farm', () => {
    const workers = defs.filter((d) => d.port);
    expect(workers.map((d) => `${d.address}:${d.port}`)).toEqual([
      '127.0.0.1:8001',
      '127.0.0.2:8002',
      '127.0.0.3:8003',
    ]);
    for (const d of workers) {
      const args = parser.parse(d.xml).service.arguments as string;
      expect(args).toContain(`--address ${d.address} --port ${d.port}`);
    }
    const tasks = defs.find((d) => d.spec.id === 'QATrackTasks')!;
    expect(parser.parse(tasks.xml).service.arguments).toBe('C:\\QATrack\\qatrackplus\\manage.py qcluster');
  });
});

describe('site web.config', () => {
  const rules = (xml: string) => {
    const r = parser.parse(xml).configuration['system.webServer'].rewrite.rules.rule;
    return Array.isArray(r) ? r : [r];
  };

  it('is well-formed, serves static before proxying, and sets only allowed server variables', () => {
    const xml = siteWebConfig(answers((a) => (a.site.https = { enabled: false })));
    expect(XMLValidator.validate(xml)).toBe(true);
    xmllint(xml);
    const r = rules(xml);
    expect(r.map((x: any) => x['@name'])).toEqual([
      'QATrack+ static and media',
      'QATrack+ to workers (http)',
    ]);
    expect(r[0].action['@type']).toBe('None');
    expect(new RegExp(r[0].match['@url']).test('static/qa/img/tux.png')).toBe(true);
    expect(new RegExp(r[0].match['@url']).test('accounts/login/')).toBe(false);
    expect(r[1].action['@url']).toBe('http://qatrack-farm/{R:1}');
    const vars = [r[1].serverVariables.set].flat().map((v: any) => v['@name']);
    expect(vars.sort()).toEqual(['HTTP_X_FORWARDED_HOST', 'HTTP_X_FORWARDED_PROTO']);
    const limits =
      parser.parse(xml).configuration['system.webServer'].security.requestFiltering.requestLimits;
    expect(Number(limits['@maxAllowedContentLength'])).toBeGreaterThanOrEqual(100 * 1024 * 1024);
  });

  it('with HTTPS and redirect: redirect first, proxy only HTTPS and say so in X-Forwarded-Proto', () => {
    const xml = siteWebConfig(answers());
    xmllint(xml);
    const r = rules(xml);
    expect(r.map((x: any) => x['@name'])).toEqual([
      'QATrack+ HTTPS redirect',
      'QATrack+ static and media',
      'QATrack+ to workers (https)',
    ]);
    const proto = [r[2].serverVariables.set].flat().find((v: any) => v['@name'] === 'HTTP_X_FORWARDED_PROTO');
    expect(proto['@value']).toBe('https');
    expect(r[0].action['@url']).toBe('https://{SERVER_NAME}/{R:1}');
  });
});

describe('scheduled task XML', () => {
  it('declares UTF-16, runs as SYSTEM daily at the chosen time and carries no secret', () => {
    const a = answers();
    const { xml } = backupTask(a, computeLayout(a, 'win32'));
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-16"?>')).toBe(true);
    xmllint(xml, true);
    const t = parser.parse(xml).Task;
    expect(t['@xmlns']).toBe('http://schemas.microsoft.com/windows/2004/02/mit/task');
    expect(t.Principals.Principal.UserId).toBe('S-1-5-18');
    expect(t.Triggers.CalendarTrigger.StartBoundary).toMatch(/T02:30:00$/);
    expect(t.Actions.Exec.Arguments).toContain('-RetentionDays 14');
    expect(t.Actions.Exec.Arguments).toContain('-SkipDatabase'); // the example's SQL Server is remote
    expect(xml).not.toMatch(/Ch4nge-me|Canary|password/i);
  });
});

describe('other generated files', () => {
  it('the worker program compiles with python3', () => {
    const dir = tmp();
    const file = path.join(dir, 'qatrack_worker.py');
    writeFileSync(file, WORKER_SCRIPT);
    const r = spawnSync('python3', ['-m', 'py_compile', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the SQL Server configuration file has one [OPTIONS] section, Windows authentication and no password', () => {
    const a = answers((x) => {
      x.database.mode = 'express';
      x.database.instance = 'QATRACK';
    });
    const ini = expressConfigurationIni(a, 'D:\\QATrackData', 'BUILTIN\\Administrators');
    const lines = ini.split('\r\n').filter((l) => l && !l.startsWith(';'));
    expect(lines[0]).toBe('[OPTIONS]');
    const kv = Object.fromEntries(lines.slice(1).map((l) => l.split(/=(.*)/s).slice(0, 2)));
    expect(kv.INSTANCENAME).toBe('"QATRACK"');
    expect(kv.TCPENABLED).toBe('"1"');
    expect(kv.SQLSYSADMINACCOUNTS).toBe('"BUILTIN\\Administrators"');
    expect(kv.SECURITYMODE).toBeUndefined();
    expect(ini).not.toMatch(/PWD|PASSWORD/i);
  });
});
