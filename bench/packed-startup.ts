/**
 * The packed app's start-up: from starting `resources/app.asar/dist/main/index.js` (extracted from
 * the dist build, loaded by Node with the electron stand-in, repository hidden; see
 * test/support/packed/packed-app.ts) to the first IPC answer, and to the first plan on the sim host.
 * Also prints the size of app.asar and of the setup with the stand-in runtime.
 *
 *   npx tsx bench/packed-startup.ts [runs]
 */
import { statSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cleanServer, withExistingSql } from '../electron/hosts/sim/windows/seed.js';
import { disposeLayout, PackedApp, packedLayout } from '../test/support/packed/packed-app.js';
import { sharedDist } from '../test/support/packed/shared-dist.js';

const runs = Number(process.argv[2] ?? 5);
const built = await sharedDist();
const layout = await packedLayout(built.winUnpacked, built.asar);
const state = path.join(layout.root, 'sim', 'state.json');
mkdirSync(path.dirname(state), { recursive: true });
writeFileSync(state, JSON.stringify(withExistingSql(cleanServer())));
const example = JSON.parse(readFileSync('resources/examples/answers.json', 'utf8')) as {
  database: { login: { password: string }; readonlyLogin: { password: string } };
  admin: { password: string };
  email: { password: string };
};
const answers = example as unknown as Record<string, unknown>;
const secrets = {
  'database.login.password': example.database.login.password,
  'database.readonlyLogin.password': example.database.readonlyLogin.password,
  'admin.password': example.admin.password,
  'email.password': example.email.password,
};

const firstIpc: number[] = [];
const firstPlan: number[] = [];
for (let i = 0; i < runs; i++) {
  const app = PackedApp.start(layout, ['--host', `sim:${state}`]);
  await app.invoke('startup', {});
  firstIpc.push(performance.now() - app.startedAt);
  const plan = await app.invoke('plan', { mode: 'install', answers, secrets, keepData: true });
  if (!plan.ok) throw new Error(JSON.stringify(plan.error));
  firstPlan.push(performance.now() - app.startedAt);
  await app.stop();
}
await disposeLayout(layout);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB (${n} bytes)`;
console.log(`app.asar: ${mib(statSync(built.asar).size)}`);
console.log(`setup with the stand-in runtime: ${mib(built.bytes)}`);
console.log(
  `main load -> first IPC answer: median ${ms(median(firstIpc))}  [${firstIpc.map(ms).join(', ')}]`,
);
console.log(
  `main load -> first install plan (sim): median ${ms(median(firstPlan))}  [${firstPlan.map(ms).join(', ')}]`,
);
