import { readFileSync } from 'node:fs';
import { buildWheelhouse } from '/work/wt/bundle/electron/bundle/wheelhouse.ts';
const cat = JSON.parse(readFileSync('/work/wt/bundle/resources/catalog/releases/3.1.1.4.json','utf8'));
const platform = (process.argv[2] ?? 'win_amd64') as any;
const r = await buildWheelhouse({ requirements: cat.requirements, platform, pythonVersion: '3.9', dest: `/tmp/realwh-${platform}/wheelhouse`, skipGit: true, pipArgs: ['--no-cache-dir'], onLog: (l) => { if (/building|ERROR|Saved|Successfully built/.test(l)) console.log(l); } });
console.log(JSON.stringify({ ...r, wheels: r.wheels.length, skippedGit: r.skippedGit.map(g=>g.name) }, null, 1));
