import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../electron/engine/layout.js';
import { loadCatalog, resolveRelease } from '../../electron/engine/release.js';
import { createAllowList } from '../../electron/helper/allow-list.js';
import type { PlanResult } from '../../electron/engine/report.js';
import { runSession } from '../../electron/app/session.js';
import type { SimState } from '../../electron/hosts/sim/state.js';
import { cleanServer, withCertificate, withExistingSql } from '../../electron/hosts/sim/windows/seed.js';
import { writeSimFile } from '../../electron/hosts/sim/effects.js';
import { windowsProfile } from '../../electron/steps/windows/index.js';
import { expectGolden, renderAction, renderFiles } from '../support/golden.js';
import { CANARY, exampleAnswers, newStateFile } from '../support/windows-sim.js';

/**
 * Golden plans: the exact actions, argv, files and SQL for three answer sets, on a clean server.
 * Reviewed like code. UPDATE_GOLDEN=1 rewrites them after an intended change.
 */

const DIR = 'test/golden/windows';
const THUMB = 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678';
const DIRECTORY = {
  ldapUrl: 'ldaps://dc1.hospital.local:636',
  searchDn: 'OU=Staff,DC=hospital,DC=local',
  nt4Domain: 'HOSPITAL',
  caFile: 'E:\\certs\\hospital-root-ca.pem',
};
/** The CA file the answers name, on the server before the run. */
const withDirectoryCa = (s: SimState): SimState => {
  writeSimFile(s, DIRECTORY.caFile, '-----BEGIN CERTIFICATE-----\nMIIB (test)\n-----END CERTIFICATE-----\n');
  return s;
};

const cases: {
  name: string;
  edit: (a: any) => void;
  seed: () => SimState;
  x86?: boolean;
  /** Catalog release (default 3.1.1.4). */
  release?: string;
}[] = [
  {
    name: 'x64-existing-sql',
    edit: (a) => {
      a.site.https = { enabled: false };
      a.workers = { count: 2, basePort: 8000 };
      a.database.authMode = 'sql';
      a.database.admin = { user: 'qatrack_installer', password: 'Admin-pw 2026 "x"' };
    },
    seed: () => withExistingSql(cleanServer()),
  },
  {
    name: 'x86-sql-express',
    x86: true,
    edit: (a) => {
      a.python.arch = 'x86';
      a.paths.bundleDir = 'E:\\qatrack-bundle-3.1.1.4-x86';
      a.database = {
        ...a.database,
        mode: 'express',
        server: 'localhost',
        instance: 'SQLEXPRESS',
        port: 1433,
        authMode: 'windows',
      };
      a.site.https = { enabled: false };
      a.workers = { count: 2, basePort: 8000 };
      a.email = { enabled: false };
      a.backup = { enabled: true, retentionDays: 30, time: '01:15' };
    },
    seed: () => cleanServer(),
  },
  {
    name: 'https-4-workers',
    edit: (a) => {
      a.site.https = {
        enabled: true,
        port: 443,
        redirectHttp: true,
        certificate: { mode: 'thumbprint', thumbprint: THUMB.toLowerCase().replace(/(.{8})/g, '$1 ') },
      };
      a.workers = { count: 4, basePort: 9000 };
      a.database.server = 'localhost';
      a.database.instance = undefined;
      a.database.port = undefined;
    },
    seed: () => withCertificate(withExistingSql(cleanServer()), THUMB, ['qatrack.hospital.local']),
  },
  {
    // QATrack+ 4.0 on a fresh server: Python 3.12 in python312-x64, ENGINE mssql, CSRF_TRUSTED_ORIGINS.
    name: 'release-4.0-fresh',
    release: '4.0.x',
    edit: (a) => {
      a.release = '4.0.x';
      a.paths.bundleDir = 'E:\\qatrack-bundle-4.0.x-x64';
      a.database.name = 'qatrackplus40';
    },
    seed: () => withExistingSql(cleanServer()),
  },
  // One per sign-in choice (each on the default example's HTTPS site; QATrack+ 3.1.1.4 settings names).
  {
    name: 'sign-in-ad-ldaps',
    edit: (a) => {
      a.signIn = { kind: 'activeDirectory', ...DIRECTORY, membershipRequired: ['QATrack Users'] };
    },
    seed: () => withDirectoryCa(withExistingSql(cleanServer())),
  },
  {
    name: 'sign-in-windows-integrated',
    edit: (a) => {
      a.signIn = { kind: 'windowsIntegrated', ...DIRECTORY, bindUser: 'svc-qatrack', bindPassword: CANARY };
    },
    seed: () => withDirectoryCa(withExistingSql(cleanServer())),
  },
  {
    name: 'sign-in-adfs',
    edit: (a) => {
      a.signIn = {
        kind: 'adfs',
        server: 'adfs.hospital.local',
        clientId: 'qatrackplus',
        relyingPartyId: 'https://qatrack.hospital.local',
        audience: 'https://qatrack.hospital.local',
        clientType: 'confidential',
        clientSecret: CANARY,
      };
    },
    seed: () => withExistingSql(cleanServer()),
  },
];

function render(plan: PlanResult): { text: string; files: Record<string, string> } {
  const lines: string[] = [];
  const files: Record<string, string> = {};
  const argv = {
    thumbprint: THUMB,
    isFile: (a: { kind: string; path?: string }) => a.kind === 'acl' && /\.(py|pem)$/.test(a.path ?? ''),
  };
  for (const step of plan.steps) {
    lines.push(`## ${step.id} — ${step.title}${step.actions.length ? '' : ' (nothing to do)'}`);
    for (const a of step.actions) renderAction(a, lines, files, argv);
  }
  lines.push('');
  renderFiles(lines, files);
  return { text: lines.join('\n') + '\n', files };
}

/** A case's answers and catalog, and the Windows profile's plan for them on a fresh sim server. */
async function planCase(c: (typeof cases)[number]) {
  const a = exampleAnswers(c.edit);
  const catalog = loadCatalog(c.release ?? '3.1.1.4');
  if (c.x86) catalog.python.archs = ['x64', 'x86']; // the shipped catalog does not offer x86 yet
  const file = newStateFile(c.seed());
  const { result } = await runSession({
    command: 'plan',
    answers: a.answers,
    secrets: a.secrets,
    hostSpec: { kind: 'sim', file },
    steps: windowsProfile,
    catalog,
    logFile: path.join(path.dirname(file), 'plan.log'),
  });
  return { a, catalog, result };
}

describe('golden Windows plans', () => {
  for (const c of cases) {
    it(`${c.name} matches test/golden/windows/${c.name}.txt`, async () => {
      const { result } = await planCase(c);
      const { text } = render(result);
      const json = JSON.stringify(result, null, 2) + '\n';
      expect(text).not.toContain(CANARY);
      expect(json).not.toContain(CANARY);
      expectGolden(DIR, c.name, text, json);
    });
  }
});

describe('the elevated helper accepts every planned Windows action', () => {
  for (const c of cases) {
    it(`${c.name}: every action kind and executable is on the helper's allow-list`, async () => {
      const { a, catalog, result } = await planCase(c);
      const layout = computeLayout(a.answers, 'win32', { pythonVersion: catalog.python.version });
      const allow = createAllowList({
        platform: 'win32',
        layout,
        release: resolveRelease(a.answers, layout, catalog),
        answers: a.answers,
      });
      const refused = result.steps.flatMap((s) =>
        s.actions.flatMap((action) => {
          const r = allow.checkAction(action);
          return r.ok ? [] : [`${s.id}: ${action.describe} → ${r.code}`];
        }),
      );
      expect(refused).toEqual([]);
    });
  }
});
