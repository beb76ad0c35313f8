import path from 'node:path';
import { createBundle, type CreateOptions } from '../bundle/create.js';
import type { DownloadEvent } from '../bundle/download-types.js';
import { InstallerError } from '../engine/errors.js';
import type { ProgressEvent } from '../engine/events.js';

export interface BundleRequest {
  outDir: string;
  release: string;
  arch: 'x64' | 'x86';
}

/**
 * "Create an offline bundle" from the wizard: the bundle builder the CLI uses, its download events
 * told as the same progress events an install shows. Cancel takes effect between phases.
 */
export async function runBundle(
  req: BundleRequest,
  signal: AbortSignal,
  onEvent: (e: ProgressEvent) => void,
  extra: Partial<CreateOptions> = {},
): Promise<{ ok: boolean; message: string }> {
  const steps = [
    { id: 'download', title: 'Download and check installers' },
    { id: 'wheelhouse', title: 'Python packages (wheelhouse)' },
    { id: 'manifest', title: 'Manifest' },
  ];
  onEvent({ type: 'run-start', runId: 'bundle', command: 'bundle', steps });
  onEvent({ type: 'step-start', step: 'download', title: steps[0]!.title, index: 0, total: 3 });
  const seen = new Set<string>();
  let done = 0;
  let phase = 0;
  const onDownload = (e: DownloadEvent) => {
    if (signal.aborted) throw new InstallerError('CANCELLED', 'Cancelled by the user.');
    if (e.type === 'download-start') {
      seen.add(e.name);
      onEvent({
        type: 'action-start',
        step: 'download',
        index: seen.size - 1,
        total: seen.size,
        describe: `Download ${e.name}`,
      });
    } else if (e.type === 'download-done') {
      done++;
      const fraction = Math.min(0.99, done / Math.max(seen.size, 1));
      onEvent({
        type: 'progress',
        step: 'download',
        fraction,
        overall: fraction / 3,
        message: `${e.name} checked`,
      });
    } else if (e.type === 'download-retry') {
      onEvent({ type: 'log', level: 'warn', message: `retry ${e.name} (attempt ${e.attempt}): ${e.error}` });
    } else if (e.type === 'download-rejected') {
      onEvent({ type: 'log', level: 'warn', message: `rejected ${e.name} from ${e.url}: wrong SHA-256` });
    }
  };
  const onLog = (line: string) => {
    if (phase === 0 && /wheel|pip/i.test(line)) {
      phase = 1;
      onEvent({ type: 'step-end', step: 'download', status: 'changed', changed: done });
      onEvent({ type: 'step-start', step: 'wheelhouse', title: steps[1]!.title, index: 1, total: 3 });
    }
    onEvent({ type: 'action-output', step: phase ? 'wheelhouse' : 'download', line });
  };
  const out = path.resolve(req.outDir);
  try {
    const r = await createBundle({
      release: req.release,
      arch: req.arch,
      out,
      cacheDir: path.join(path.dirname(out), '.qatrack-bundle-cache'),
      wheelhouse: { build: { onLog } },
      onEvent: onDownload,
      onLog,
      ...extra,
    });
    if (phase === 0) onEvent({ type: 'step-end', step: 'download', status: 'changed', changed: done });
    onEvent({ type: 'step-end', step: 'wheelhouse', status: 'changed', changed: r.wheelhouse.wheels });
    onEvent({ type: 'step-end', step: 'manifest', status: 'changed', changed: 1 });
    const message = `Bundle ready in ${out}: ${r.manifest.files.length} files, each pinned by SHA-256.`;
    onEvent({ type: 'run-end', ok: true, exitCode: 0, message, rebootRequired: false });
    return { ok: true, message };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const fix = e instanceof InstallerError && e.fix ? ` ${e.fix}` : '';
    onEvent({ type: 'run-end', ok: false, exitCode: 1, message: message + fix, rebootRequired: false });
    return { ok: false, message: message + fix };
  }
}
