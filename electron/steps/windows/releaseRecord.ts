import type { ActionInput } from '../../engine/actions/index.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { RELEASE_ARP_KEY } from '../../windows/names.js';
import { askWindows, type TopicResult } from '../../windows/topics.js';

/**
 * The deployed QATrack+ release as an Uninstall-key entry (Learn, "Uninstall Registry Key":
 * https://learn.microsoft.com/windows/win32/msi/uninstall-registry-key), so support staff and
 * inventory scripts reading HKLM\...\Uninstall see "QATrack+ 3.1.1.4" and where it lives.
 *
 * It is hidden from Programs and Features (SystemComponent = 1, same page): the one visible entry is
 * the installer app's own (build/installer.nsi), whose Modify, Repair and Uninstall act on this
 * deployment. Two visible entries would offer two Uninstall buttons for one thing. The upgrade's
 * record phase updates DisplayVersion here (electron/app/upgrade/windows-phases.ts).
 */

type RegValue = string | number;

export function releaseRecordValues(
  ctx: StepContext,
): Record<string, { type: 'REG_SZ' | 'REG_DWORD'; value: RegValue }> {
  return {
    DisplayName: { type: 'REG_SZ', value: 'QATrack+' },
    DisplayVersion: { type: 'REG_SZ', value: ctx.release.id },
    InstallLocation: { type: 'REG_SZ', value: ctx.layout.installDir },
    Comments: {
      type: 'REG_SZ',
      value: 'Deployed and maintained by QATrack+ Installer (its own entry in Programs and Features)',
    },
    SystemComponent: { type: 'REG_DWORD', value: 1 },
  };
}

const probe = (ctx: StepContext) =>
  askWindows(ctx.host, 'registryValues', {
    key: RELEASE_ARP_KEY,
    names: Object.keys(releaseRecordValues(ctx)),
  });

export const releaseRecordStep = defineStep<TopicResult<'registryValues'>>({
  id: 'win-release-record',
  title: 'Installed-release record (Uninstall key)',
  // Written once the site verified: the record says what is installed and working.
  dependsOn: ['win-verify'],
  probe,
  plan(ctx, have) {
    const actions: ActionInput[] = [];
    for (const [name, want] of Object.entries(releaseRecordValues(ctx))) {
      // reg.exe reads back a DWORD as a number and a string as a string (registryValues topic).
      if (have[name] !== undefined && String(have[name]) === String(want.value)) continue;
      actions.push({
        kind: 'registry',
        describe: `Set ${name} = ${want.value} in ${RELEASE_ARP_KEY}`,
        op: 'set',
        key: RELEASE_ARP_KEY,
        name,
        type: want.type,
        value: want.value,
      });
    }
    return actions;
  },
  async verify(ctx) {
    const have = await probe(ctx);
    const ok = have.DisplayVersion === ctx.release.id;
    return [
      {
        id: 'release.record',
        title: 'Installed release recorded',
        ok,
        detail: ok
          ? `DisplayVersion ${ctx.release.id} in ${RELEASE_ARP_KEY}`
          : `${RELEASE_ARP_KEY} says ${have.DisplayVersion === undefined ? 'nothing' : String(have.DisplayVersion)}`,
        fix: ok ? undefined : 'Run repair.',
      },
    ];
  },
  planUninstall(_ctx, have) {
    return Object.keys(have).length
      ? [
          {
            kind: 'registry',
            describe: `Remove ${RELEASE_ARP_KEY}`,
            op: 'deleteKey',
            key: RELEASE_ARP_KEY,
            name: '',
          },
        ]
      : [];
  },
});
