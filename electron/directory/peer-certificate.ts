import tls from 'node:tls';

/** Who issued the certificate an LDAPS server shows, read without trusting it (for the plain-words message). */
export interface PeerCertificate {
  subject: string;
  issuer: string;
  /** Names the certificate is valid for (DNS and IP subjectAltNames). */
  names: string[];
  selfSigned: boolean;
}

const dn = (o: tls.Certificate | undefined) =>
  o
    ? Object.entries(o)
        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
        .join(', ')
    : '';

/** Connects once with verification off, reads the chain's top certificate, and closes. */
export function readPeerCertificate(
  host: string,
  port: number,
  timeoutMs = 5000,
): Promise<PeerCertificate | undefined> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      servername: /^\d+\.\d+\.\d+\.\d+$/.test(host) ? undefined : host,
      rejectUnauthorized: false,
    });
    const done = (v: PeerCertificate | undefined) => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('secureConnect', () => {
      let cert = socket.getPeerCertificate(true);
      if (!cert || !cert.subject) return done(undefined);
      const leaf = cert;
      // Walk to the top of the chain the server sent: that issuer is the CA the client must trust.
      while (cert.issuerCertificate && cert.issuerCertificate !== cert) cert = cert.issuerCertificate;
      done({
        subject: dn(leaf.subject),
        issuer: dn(cert.issuer),
        names: (leaf.subjectaltname ?? '')
          .split(', ')
          .filter(Boolean)
          .map((n) => n.replace(/^(DNS|IP Address):/, '')),
        selfSigned: dn(leaf.subject) === dn(leaf.issuer),
      });
    });
  });
}
