import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ResultPromise } from 'execa';
import { CANARY } from '../support/windows-sim.js';
import { BUNDLE } from './upgrade-support.js';

/** Helpers of the Windows upgrade CLI tests (state record, repair resume). */

/** Where the Windows upgrade keeps its upgrade state on the sim server (the deployment's state folder). */
export const STATE_FILE = 'D:\\QATrackData\\installer\\upgrade-state.json';

/** The running deployment's answers as a file the CLI reads (secrets inline: test only). */
export function answersFile(dir: string, release: string, bundle: string): string {
  const raw = JSON.parse(readFileSync('resources/examples/answers.json', 'utf8'));
  raw.database.login.password = CANARY;
  raw.release = release;
  raw.paths.bundleDir = BUNDLE(bundle);
  const file = path.join(dir, `answers-${release}.json`);
  writeFileSync(file, JSON.stringify(raw));
  return file;
}

/** Resolves once the child's stderr matches (the phase event the CLI prints). */
export function waitFor(child: ResultPromise, re: RegExp): Promise<string> {
  let seen = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (b: Buffer) => {
      seen += String(b);
      if (re.test(seen)) resolve(seen);
    });
    void child.then(() => reject(new Error(`the run ended before ${re}: ${seen}`)));
  });
}
