import type { InstallerApi } from '../../electron/ipc/contract.js';

declare global {
  interface Window {
    /** The preload's small typed API: the only way the page reaches main. */
    installer: InstallerApi;
  }
}

export const installer = (): InstallerApi => window.installer;
