import {
  Body1,
  Button,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Subtitle2,
  Text,
} from '@fluentui/react-components';
import type { IpcError } from '../../../electron/ipc/contract.js';
import type { UpgradeReview } from '../../../electron/ipc/contract.js';
import { fieldLabel } from '../draft.js';
import { plainText } from '../words.js';
import { bytesInWords } from './upgrade-state.js';

/** The page is a flex column: a tall message bar must not be squeezed below its text. */
const NO_SHRINK = { flexShrink: 0 } as const;

export type UpgradeReviewView =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'done'; review: UpgradeReview }
  | { state: 'error'; error: IpcError };

/** Where a refusal's field is fixed, in words a person acts on (the CLI names the option). */
const WHERE: Record<string, string> = {
  '--release': 'Release',
  'paths.bundleDir': 'Offline bundle folder',
  'backup.folder': 'Backup folder',
};

/** Upgrade Review: from -> to, what will happen in order, where the backup goes, and any refusal. */
export function UpgradeReviewPage(p: { state: UpgradeReviewView; onRetry: () => void }) {
  if (p.state.state === 'idle' || p.state.state === 'loading')
    return <Spinner label="Checking the upgrade path, the bundle and room for the backup..." />;
  if (p.state.state === 'error')
    return (
      <MessageBar style={NO_SHRINK} intent="error" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>{plainText(p.state.error.message)}</MessageBarTitle>
          {p.state.error.fix ? <Text block>{plainText(p.state.error.fix)}</Text> : null}
          <div className="row" style={{ marginTop: 8 }}>
            <Button size="small" onClick={p.onRetry}>
              Check again
            </Button>
          </div>
        </MessageBarBody>
      </MessageBar>
    );
  const r = p.state.review;
  return (
    <>
      <Subtitle2 as="h2" data-testid="upgrade-path">
        QATrack+ {r.from} → {r.to}
      </Subtitle2>
      <Body1>
        The installed release ({r.from}, read from{' '}
        {r.source === 'record' ? "the last upgrade's record" : 'the answers of the last install'}) keeps
        running until the new one passed its health check; any failure before that, or Cancel, rolls back.
      </Body1>
      {r.refusal && (
        <MessageBar style={NO_SHRINK} intent="error" layout="multiline" data-testid="upgrade-refusal">
          <MessageBarBody>
            <MessageBarTitle>{plainText(r.refusal.message)}</MessageBarTitle>
            <ul className="plain-list wrap" aria-label="What to fix">
              {r.refusal.issues.map((i) => (
                <li key={i.path + i.message}>
                  {WHERE[i.path] ?? fieldLabel(i.path)}: {plainText(i.message)}
                </li>
              ))}
            </ul>
            {r.refusal.fix && <Text block>{plainText(r.refusal.fix)}</Text>}
            <div className="row" style={{ marginTop: 8 }}>
              <Button size="small" onClick={p.onRetry}>
                Check again
              </Button>
            </div>
          </MessageBarBody>
        </MessageBar>
      )}
      <section aria-labelledby="upgrade-backup">
        <Subtitle2 as="h2" id="upgrade-backup">
          Backup
        </Subtitle2>
        <Text block className="wrap" data-testid="upgrade-backup-folder">
          Folder: {r.backupDir}
        </Text>
        <Text block data-testid="upgrade-backup-room">
          Free there: {bytesInWords(r.backupFreeBytes)}; the backup needs about{' '}
          {bytesInWords(r.backupNeededBytes)}.
        </Text>
      </section>
      <section aria-labelledby="upgrade-phases">
        <Subtitle2 as="h2" id="upgrade-phases">
          What happens, in order
        </Subtitle2>
        <ol className="wrap" aria-label="Upgrade phases" data-testid="upgrade-phases">
          {r.phases.map((ph) => (
            <li key={ph.id}>{plainText(ph.describe)}</li>
          ))}
        </ol>
      </section>
    </>
  );
}
