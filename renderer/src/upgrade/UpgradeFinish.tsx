import { Body1, Button, MessageBar, MessageBarBody, MessageBarTitle, Text } from '@fluentui/react-components';
import { installer } from '../api.js';
import { plainText } from '../words.js';
import type { UpgradeRunView } from './upgrade-state.js';

/** The page is a flex column: a tall message bar must not be squeezed below its text. */
const NO_SHRINK = { flexShrink: 0 } as const;

/** Upgraded (old release kept N days, backup in F), or rolled back (X running again, backup in F). */
export function UpgradeFinishPage(p: { run: UpgradeRunView }) {
  const end = p.run.end;
  if (!end) return <Body1>The upgrade has not ended.</Body1>;
  const backup = end.backupDir ? `The backup is in ${end.backupDir}.` : 'No backup was made.';
  return (
    <>
      {end.ok ? (
        <MessageBar style={NO_SHRINK} intent="success" layout="multiline" data-testid="upgrade-outcome">
          <MessageBarBody>
            <MessageBarTitle>
              Upgraded: QATrack+ {end.from} → {end.to}.
            </MessageBarTitle>
            <Text block>
              {end.from} is kept for {end.keepDays} days for a manual rollback. {backup}
            </Text>
          </MessageBarBody>
        </MessageBar>
      ) : end.rolledBack ? (
        <MessageBar style={NO_SHRINK} intent="warning" layout="multiline" data-testid="upgrade-outcome">
          <MessageBarBody>
            <MessageBarTitle>
              Rolled back: {end.from} is running again{end.cancelled ? ' (the upgrade was cancelled)' : ''}.
            </MessageBarTitle>
            <Text block>Its database is as it was before the upgrade. {backup}</Text>
          </MessageBarBody>
        </MessageBar>
      ) : (
        <MessageBar style={NO_SHRINK} intent="error" layout="multiline" data-testid="upgrade-outcome">
          <MessageBarBody>
            <MessageBarTitle>The upgrade did not finish.</MessageBarTitle>
            <Text block>{plainText(end.message)}</Text>
            <Text block>
              {end.backupDir ? `Run Repair: it finishes the rollback. ${backup}` : 'Nothing was changed.'}
            </Text>
          </MessageBarBody>
        </MessageBar>
      )}
      <Text block className="wrap">
        {plainText(end.message)}
      </Text>
      <div className="row">
        <Button onClick={() => void installer().openLogFolder({})}>Open the log folder</Button>
      </div>
    </>
  );
}
