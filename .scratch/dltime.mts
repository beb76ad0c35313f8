import { randomBytes } from 'node:crypto';
import { startMirror } from '/work/wt/bundle/test/support/bundle-mirror.ts';
import { downloadAll } from '/work/wt/bundle/electron/bundle/download.ts';
const big = randomBytes(3*1024*1024);
const m = await startMirror(new Map([['/big', big]]));
let t = Date.now();
await downloadAll([{name:'b', urls:[m.url+'/big'], dest:'/tmp/dlt/big'}], {cacheDir:'/tmp/dlt/c', onEvent: e => { if (e.type!=='download-progress') console.log(Date.now()-t, e.type); }});
console.log('total', Date.now()-t);
await m.close();
