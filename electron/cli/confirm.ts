import { createInterface } from 'node:readline/promises';

export const isInteractive = () => process.stdin.isTTY === true && process.stderr.isTTY === true;

/** Asks on the terminal; only called when stdin is a TTY, so an unattended run never waits. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
