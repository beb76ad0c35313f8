import {
  Accordion,
  AccordionHeader,
  AccordionItem,
  AccordionPanel,
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
} from '@fluentui/react-components';
import type { ReactNode } from 'react';

/**
 * The pieces every run page shares (install/repair/uninstall/bundle Progress and Upgrade Progress):
 * the Cancel button with its confirmation, and the live log behind "Show details".
 */
export function CancelConfirm(p: {
  /** The dialog's title, a question ("Cancel the upgrade?"). */
  title: string;
  /** What cancelling does, in plain words. */
  detail: ReactNode;
  /** The button that cancels ("Cancel and roll back"). */
  confirm: string;
  /** Id of the detail text (aria-describedby), unique on the page. */
  detailId: string;
  onCancel: () => void;
}) {
  return (
    <Dialog>
      <DialogTrigger disableButtonEnhancement>
        <Button className="cancel-button danger-outline">Cancel</Button>
      </DialogTrigger>
      <DialogSurface aria-describedby={p.detailId}>
        <DialogBody>
          <DialogTitle>{p.title}</DialogTitle>
          <DialogContent id={p.detailId}>{p.detail}</DialogContent>
          <DialogActions>
            {/* The safe choice comes first and takes the focus when the dialog opens. */}
            <DialogTrigger disableButtonEnhancement>
              <Button appearance="primary" autoFocus>
                Keep going
              </Button>
            </DialogTrigger>
            <DialogTrigger disableButtonEnhancement>
              <Button className="danger-outline" onClick={p.onCancel}>
                {p.confirm}
              </Button>
            </DialogTrigger>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

/** The run's log lines, folded away until asked for. */
export function LiveLog(p: { lines: string[] }) {
  return (
    <Accordion collapsible>
      <AccordionItem value="log">
        <AccordionHeader>Show details (live log)</AccordionHeader>
        <AccordionPanel>
          <pre aria-label="Live log" tabIndex={0} className="live-log">
            {p.lines.join('\n')}
          </pre>
        </AccordionPanel>
      </AccordionItem>
    </Accordion>
  );
}
