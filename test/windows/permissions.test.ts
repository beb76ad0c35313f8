import { describe, expect, it } from 'vitest';
import { describeGrants, principalName } from '../../electron/steps/windows/permissions.js';
import { SID } from '../../electron/windows/names.js';

describe('permissions in words', () => {
  it('names well-known SIDs as Windows shows them and groups grants by rights, strongest first', () => {
    const text = describeGrants([
      { principal: SID.iisUsers, rights: 'RX' },
      { principal: SID.administrators, rights: 'F' },
      { principal: 'NT SERVICE\\QATrackWorker1', rights: 'M' },
      { principal: SID.system, rights: 'F' },
      { principal: SID.iusr, rights: 'RX' },
    ]);
    expect(text).toBe(
      'Administrators and SYSTEM: full control; NT SERVICE\\QATrackWorker1: change; IIS_IUSRS and IUSR: read and run',
    );
  });

  it('reads the lower-case SIDs icacls reports back, and leaves unknown SIDs and accounts as they are', () => {
    expect(principalName('*s-1-5-32-544')).toBe('Administrators');
    expect(principalName('*S-1-5-21-1-2-3-500')).toBe('S-1-5-21-1-2-3-500');
    expect(principalName('HOSPITAL\\svc-qatrack')).toBe('HOSPITAL\\svc-qatrack');
    expect(describeGrants([{ principal: 'x', rights: 'R' }])).toBe('x: read');
  });
});
