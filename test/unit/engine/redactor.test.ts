import { execFileSync } from 'node:child_process';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../../electron/engine/redactor.js';
import { encodeSecret, MASK } from '../../../electron/engine/secret-text.js';
import { CANARY } from '../../support/engine-context.js';

const r = new Redactor([CANARY]);

describe('redactor', () => {
  it.each([
    ['raw', CANARY],
    ['JSON string', JSON.stringify({ password: CANARY })],
    ['Python literal', `PASSWORD = '${encodeSecret(CANARY, 'python-str')}'`],
    ['Python "..." literal', `x = "${CANARY.replace(/[\\"]/g, '\\$&')}"`],
    ['XML attribute', `<add value="${encodeSecret(CANARY, 'xml')}"/>`],
    [
      'XML with numeric quote',
      `<a v='${CANARY.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')}'/>`,
    ],
    ['URL-encoded', `mssql://qatrack:${encodeURIComponent(CANARY)}@sql01/`],
    ['form-encoded', new URLSearchParams({ pw: CANARY }).toString()],
    ['base64', Buffer.from(CANARY).toString('base64')],
    [
      'base64 inside Basic auth',
      `Authorization: Basic ${Buffer.from(`qatrack:${CANARY}`).toString('base64')}`,
    ],
    ['base64 at another offset', Buffer.from(`ab:${CANARY}`).toString('base64')],
  ])('masks the %s form', (_name, text) => {
    const out = r.redact(`before ${text} after`);
    expect(out).toContain(MASK);
    expect(out).not.toContain(CANARY);
    expect(out).not.toContain(Buffer.from(CANARY).toString('base64').slice(4, 20));
    expect(out.startsWith('before ')).toBe(true);
  });

  it('leaves text without secrets alone', () => {
    expect(r.redact('Create folder C:\\QATrack')).toBe('Create folder C:\\QATrack');
  });

  it('redacts keys, nested values and errors deeply', () => {
    const err = new Error(`login failed for ${CANARY}`);
    const out = r.redactDeep({ [CANARY]: [{ msg: `x${CANARY}y` }], err });
    expect(JSON.stringify(out)).not.toContain('C4nary');
    expect(JSON.stringify(out)).toContain('login failed for ********');
  });

  it('encodes a Python literal that python3 reads back as the value', () => {
    const literal = `'${encodeSecret(CANARY, 'python-str')}'`;
    const back = execFileSync('python3', ['-c', `import sys; sys.stdout.write(${literal})`], {
      encoding: 'utf8',
    });
    expect(back).toBe(CANARY);
  });

  it('encodes an XML attribute that an XML parser reads back as the value', () => {
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
      `<add key="pw" value="${encodeSecret(CANARY, 'xml')}"/>`,
    );
    expect(doc.add.value).toBe(CANARY);
  });
});
