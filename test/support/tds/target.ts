import { MapSecretStore } from '../../../electron/engine/secrets.js';
import type { SqlTarget } from '../../../electron/hosts/windows/sql.js';

/** Passwords with the characters that break quoting in T-SQL, PowerShell and connection strings. */
export const ADMIN_PW = 'Admin "pw" %^&! 9';
export const LOGIN_CANARY = 'Can\'ary ]pw[ "x" ;--';

export const tdsSecrets = (): MapSecretStore =>
  new MapSecretStore([
    ['database.admin.password', ADMIN_PW],
    ['database.login.password', LOGIN_CANARY],
  ]);

/** How the Windows host connects (sql auth as the installer admin), aimed at the TDS test server. */
export const tdsTarget = (port: number): SqlTarget => ({
  server: '127.0.0.1',
  port,
  user: 'installer',
  password: ADMIN_PW,
  database: 'master',
  encrypt: false,
});
