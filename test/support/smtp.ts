import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** What a real SMTP server on loopback received: envelope and raw message. */
export interface Received {
  from: string;
  to: string[];
  user?: string;
  secure: boolean;
  raw: string;
}

export interface TestRelay {
  port: number;
  received: Received[];
  close(): Promise<void>;
}

let cert: Promise<{ key: string; cert: string }> | undefined;
/** A self-signed certificate for 127.0.0.1/localhost, made once per test file. */
export const testCert = () =>
  (cert ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
  }).then((p) => ({ key: p.private, cert: p.cert })));

/**
 * smtp-server (nodemailer's own SMTP server library) on 127.0.0.1 with STARTTLS, or implicit TLS
 * (`secure`), and AUTH PLAIN/LOGIN against one user. Senders not in `senders` get the 553 a Postfix
 * relay gives for an unowned sender (smtpd_sender_login_maps: "553 5.7.1 <addr>: Sender address
 * rejected: not owned by user"); the DATA reply carries a queue id the way Postfix's does
 * ("250 2.0.0 Ok: queued as ID").
 */
export async function startRelay(o: {
  secure?: boolean;
  user?: string;
  password?: string;
  senders?: string[];
  /** Neither AUTH nor STARTTLS (a plain internal relay that trusts the network). */
  noAuth?: boolean;
}): Promise<TestRelay> {
  const { key, cert: certPem } = await testCert();
  const received: Received[] = [];
  let n = 0;
  const options: SMTPServerOptions = {
    secure: o.secure === true,
    key,
    cert: certPem,
    disableReverseLookup: true,
    logger: false,
    ...(o.noAuth
      ? { disabledCommands: ['AUTH', 'STARTTLS'], authOptional: true }
      : { authMethods: ['PLAIN', 'LOGIN'] }),
    onAuth(auth, _session, cb) {
      if (auth.username === o.user && auth.password === o.password) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('5.7.8 Error: authentication failed'), { responseCode: 535 }));
    },
    onMailFrom(address, _session, cb) {
      if (o.senders && !o.senders.includes(address.address))
        return cb(
          Object.assign(
            new Error(`5.7.1 <${address.address}>: Sender address rejected: not owned by user ${o.user}`),
            { responseCode: 553 },
          ),
        );
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          ...(typeof session.user === 'string' ? { user: session.user } : {}),
          secure: session.secure,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb(null, `2.0.0 Ok: queued as 4F1C3${++n}A0C2`);
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
