import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../electron/engine/emitter.js';
import { createFileLogger, jsonLogPathFor } from '../../../electron/engine/logger.js';
import { Redactor } from '../../../electron/engine/redactor.js';
import { CANARY, tempDir } from '../../support/engine-context.js';

describe('run logs', () => {
  it('writes a readable log and JSON lines beside it, both redacted, stack only in the logs', async () => {
    const file = path.join(tempDir(), 'logs', 'install.log');
    const redactor = new Redactor([CANARY]);
    const logger = createFileLogger(file, redactor);
    const bus = new EventBus(redactor, logger);
    const received: unknown[] = [];
    bus.on((e) => received.push(e));
    bus.emit({ type: 'step-start', step: 'sql', title: `Login with ${CANARY}`, index: 0, total: 3 });
    logger.log('error', `connect failed: ${JSON.stringify(CANARY)}`, {
      step: 'sql',
      err: new Error(`bad ${CANARY}`),
    });
    await logger.close();

    expect(jsonLogPathFor(file)).toBe(file.replace(/\.log$/, '.jsonl'));
    const text = readFileSync(file, 'utf8');
    const json = readFileSync(jsonLogPathFor(file), 'utf8');
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}\[sql\] step 1\/3: Login with \*{8}$/m);
    expect(text).toMatch(/ERROR \[sql\] connect failed: "\*{8}"/);
    expect(text).toMatch(/^ {4}Error: bad \*{8}\n {8}at /m); // the stack goes to the log file
    const lines = json
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(['step 1/3: Login with ********', 'connect failed: "********"']);
    expect(lines[1]).toMatchObject({ level: 50, step: 'sql', err: { message: 'bad ********' } });
    expect(JSON.stringify(received)).toContain('Login with ********');
    expect(text + json + JSON.stringify(received)).not.toContain('C4nary');
  });
});
