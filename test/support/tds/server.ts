import net from 'node:net';

/**
 * A small TDS 7.4 server for tests: enough of PRELOGIN, LOGIN7, SQL batch and RPC (sp_executesql)
 * for the real `mssql`/tedious client with encryption off. It records every batch and every RPC
 * parameter value, and answers DONE or an ERROR token carrying SQL Server's real error numbers.
 * Listens on 127.0.0.1, port 0 (a free port).
 */

const PKT = {
  sqlBatch: 0x01,
  rpc: 0x03,
  reply: 0x04,
  attention: 0x06,
  login7: 0x10,
  prelogin: 0x12,
} as const;
const TOKEN = {
  error: 0xaa,
  loginAck: 0xad,
  envChange: 0xe3,
  done: 0xfd,
  doneProc: 0xfe,
  doneInProc: 0xff,
  returnStatus: 0x79,
} as const;
const DONE_ERROR = 0x0002;
const DONE_COUNT = 0x0010;
const PROC_NAMES: Record<number, string> = { 10: 'sp_executesql', 12: 'sp_prepexec', 13: 'sp_execute' };

export interface RecordedLogin {
  user: string;
  password: string;
  database: string;
  appName: string;
}

export interface RecordedRequest {
  kind: 'batch' | 'rpc';
  /** The statement text (for sp_executesql: its @statement). */
  sql: string;
  procedure?: string;
  /** Parameter declaration string for sp_executesql (`@db nvarchar(max), ...`). */
  declaration?: string;
  /** Values of the typed parameters, by name without `@`. */
  params: Record<string, string | number | boolean | null>;
}

export interface SqlErrorReply {
  number: number;
  message: string;
  state?: number;
  severity?: number;
}

export interface TdsServerOptions {
  /** Refuse a login (e.g. 18456). */
  onLogin?(login: RecordedLogin): SqlErrorReply | undefined;
  /** Answer a request with an error instead of DONE. Connection set-up SQL is never passed here. */
  onRequest?(request: RecordedRequest): SqlErrorReply | undefined;
  /** Answer a request with one result set (before its DONE), as SQL Server sends a SELECT's rows. */
  resultFor?(request: RecordedRequest): ResultSet | undefined;
}

/** Column types the server can send: bit (BITN) and bigint (INTN, 8 bytes); null is SQL NULL. */
export interface ResultSet {
  columns: { name: string; type: 'bit' | 'bigint' }[];
  rows: (boolean | bigint | null)[][];
}

export interface TdsServer {
  port: number;
  logins: RecordedLogin[];
  /** Requests from the client's own code (connection set-up and health checks are left out). */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

// ---- encoding helpers ----
const ucs2 = (s: string) => Buffer.from(s, 'utf16le');
const bVarchar = (s: string) => Buffer.concat([Buffer.from([s.length]), ucs2(s)]);
const usVarchar = (s: string) => {
  const len = Buffer.alloc(2);
  len.writeUInt16LE(s.length);
  return Buffer.concat([len, ucs2(s)]);
};
const withLength = (token: number, body: Buffer) => {
  const head = Buffer.alloc(3);
  head.writeUInt8(token, 0);
  head.writeUInt16LE(body.length, 1);
  return Buffer.concat([head, body]);
};

function packet(type: number, payload: Buffer, packetId = 1): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt8(type, 0);
  head.writeUInt8(0x01, 1); // end of message
  head.writeUInt16BE(payload.length + 8, 2);
  head.writeUInt16BE(0, 4);
  head.writeUInt8(packetId, 6);
  return Buffer.concat([head, payload]);
}

function doneToken(token: number, status: number, rowCount = 0): Buffer {
  const b = Buffer.alloc(13);
  b.writeUInt8(token, 0);
  b.writeUInt16LE(status, 1);
  b.writeUInt16LE(0xc1, 3);
  b.writeBigUInt64LE(BigInt(rowCount), 5);
  return b;
}

/**
 * COLMETADATA + ROW tokens (MS-TDS 2.2.7.4 and 2.2.7.19): per column UserType (ULONG), Flags
 * (USHORT), TYPE_INFO (BITN 0x68 / INTN 0x26 with its length) and the name; per row each value
 * with its length byte (0 = NULL).
 */
function resultTokens(set: ResultSet): Buffer {
  const count = Buffer.alloc(3);
  count.writeUInt8(0x81, 0);
  count.writeUInt16LE(set.columns.length, 1);
  const cols = set.columns.map((c) =>
    Buffer.concat([
      Buffer.from([0, 0, 0, 0, 0x01, 0x00]),
      c.type === 'bit' ? Buffer.from([0x68, 1]) : Buffer.from([0x26, 8]),
      bVarchar(c.name),
    ]),
  );
  const rows = set.rows.map((row) =>
    Buffer.concat([
      Buffer.from([0xd1]),
      ...row.map((v, i) => {
        if (v === null) return Buffer.from([0]);
        if (set.columns[i]!.type === 'bit') return Buffer.from([1, v ? 1 : 0]);
        const b = Buffer.alloc(9);
        b.writeUInt8(8, 0);
        b.writeBigInt64LE(BigInt(v), 1);
        return b;
      }),
    ]),
  );
  return Buffer.concat([count, ...cols, ...rows]);
}

function errorToken(e: SqlErrorReply): Buffer {
  const fixed = Buffer.alloc(6);
  fixed.writeInt32LE(e.number, 0);
  fixed.writeUInt8(e.state ?? 1, 4);
  fixed.writeUInt8(e.severity ?? (e.number === 18456 ? 14 : 16), 5);
  const line = Buffer.alloc(4);
  line.writeInt32LE(1);
  return withLength(
    TOKEN.error,
    Buffer.concat([fixed, usVarchar(e.message), bVarchar('TDSTEST'), bVarchar(''), line]),
  );
}

function preloginReply(): Buffer {
  // VERSION, ENCRYPTION (not supported: the client goes on in plain text), THREADID, MARS, terminator.
  const options: [number, Buffer][] = [
    [0x00, Buffer.from([16, 0, 0x10, 0x00, 0, 0])],
    [0x01, Buffer.from([0x02])],
    [0x03, Buffer.alloc(4)],
    [0x04, Buffer.from([0x00])],
  ];
  const headerLen = options.length * 5 + 1;
  const heads: Buffer[] = [];
  const data: Buffer[] = [];
  let offset = headerLen;
  for (const [tok, d] of options) {
    const h = Buffer.alloc(5);
    h.writeUInt8(tok, 0);
    h.writeUInt16BE(offset, 1);
    h.writeUInt16BE(d.length, 3);
    heads.push(h);
    data.push(d);
    offset += d.length;
  }
  return Buffer.concat([...heads, Buffer.from([0xff]), ...data]);
}

function loginAck(database: string): Buffer {
  const ack = Buffer.concat([
    Buffer.from([0x01]),
    Buffer.from([0x74, 0x00, 0x00, 0x04]), // TDS 7.4
    bVarchar('Microsoft SQL Server'),
    Buffer.from([16, 0, 0x10, 0x00]),
  ]);
  const env = Buffer.concat([Buffer.from([0x01]), bVarchar(database), bVarchar('master')]);
  return Buffer.concat([
    withLength(TOKEN.envChange, env),
    withLength(TOKEN.loginAck, ack),
    doneToken(TOKEN.done, 0),
  ]);
}

// ---- decoding ----
const readUcs2 = (buf: Buffer, offset: number, chars: number) =>
  buf.subarray(offset, offset + chars * 2).toString('utf16le');

function decodeLogin7(buf: Buffer): RecordedLogin {
  const field = (pos: number) => [buf.readUInt16LE(pos), buf.readUInt16LE(pos + 2)] as const;
  const text = (pos: number) => {
    const [off, len] = field(pos);
    return readUcs2(buf, off, len);
  };
  const [pOff, pLen] = field(44);
  const pw = Buffer.from(buf.subarray(pOff, pOff + pLen * 2));
  for (let i = 0; i < pw.length; i++) {
    const b = pw[i]! ^ 0xa5;
    pw[i] = ((b & 0x0f) << 4) | (b >> 4);
  }
  return { user: text(40), password: pw.toString('utf16le'), appName: text(48), database: text(68) };
}

/** Skip ALL_HEADERS (TDS 7.2+): a 4-byte total length that includes itself. */
const afterHeaders = (buf: Buffer) => buf.readUInt32LE(0);

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}
  u8() {
    return this.buf.readUInt8(this.pos++);
  }
  u16() {
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32() {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number) {
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  get done() {
    return this.pos >= this.buf.length;
  }
}

function readParamValue(r: Reader): string | number | boolean | null {
  const type = r.u8();
  switch (type) {
    case 0xe7: // NVARCHAR
    case 0xa7: // VARCHAR
    case 0xef: {
      // NCHAR
      const max = r.u16();
      r.bytes(5); // collation
      const wide = type !== 0xa7;
      if (max === 0xffff) {
        const total = r.buf.readBigUInt64LE(r.pos);
        r.pos += 8;
        if (total === 0xffffffffffffffffn) return null;
        const chunks: Buffer[] = [];
        for (let len = r.u32(); len !== 0; len = r.u32()) chunks.push(r.bytes(len));
        const data = Buffer.concat(chunks);
        return wide ? data.toString('utf16le') : data.toString('latin1');
      }
      const len = r.u16();
      if (len === 0xffff) return null;
      const data = r.bytes(len);
      return wide ? data.toString('utf16le') : data.toString('latin1');
    }
    case 0x26: {
      // INTN
      r.u8();
      const len = r.u8();
      if (len === 0) return null;
      const b = r.bytes(len);
      return len === 8
        ? Number(b.readBigInt64LE())
        : len === 4
          ? b.readInt32LE()
          : len === 2
            ? b.readInt16LE()
            : b.readInt8();
    }
    case 0x68: {
      // BITN
      r.u8();
      const len = r.u8();
      return len === 0 ? null : r.u8() === 1;
    }
    default:
      throw new Error(`TDS test server: parameter type 0x${type.toString(16)} is not supported`);
  }
}

function decodeRpc(buf: Buffer): RecordedRequest {
  const r = new Reader(buf, afterHeaders(buf));
  const nameLen = r.u16();
  let procedure: string;
  if (nameLen === 0xffff) {
    const id = r.u16();
    procedure = PROC_NAMES[id] ?? `proc#${id}`;
  } else {
    procedure = readUcs2(buf, r.pos, nameLen);
    r.pos += nameLen * 2;
  }
  r.u16(); // option flags
  const values: { name: string; value: string | number | boolean | null }[] = [];
  while (!r.done) {
    const n = r.u8();
    const name = readUcs2(buf, r.pos, n).replace(/^@/, '');
    r.pos += n * 2;
    r.u8(); // status flags
    values.push({ name, value: readParamValue(r) });
  }
  if (procedure === 'sp_executesql') {
    const [statement, declaration, ...rest] = values;
    return {
      kind: 'rpc',
      procedure,
      sql: String(statement?.value ?? ''),
      declaration: String(declaration?.value ?? ''),
      params: Object.fromEntries(rest.map((p) => [p.name, p.value])),
    };
  }
  return {
    kind: 'rpc',
    procedure,
    sql: '',
    params: Object.fromEntries(values.map((p) => [p.name, p.value])),
  };
}

/** tedious's SET statements after login and mssql's pool health check are not the caller's SQL. */
const isInitialSql = (sql: string) =>
  /^set (textsize|ansi_nulls) /i.test(sql.trim()) || /^select 1;?$/i.test(sql.trim());

export async function startTdsServer(options: TdsServerOptions = {}): Promise<TdsServer> {
  const logins: RecordedLogin[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    let message: Buffer[] = [];

    const reply = (payload: Buffer) => socket.write(packet(PKT.reply, payload));

    const handle = (type: number, payload: Buffer) => {
      switch (type) {
        case PKT.prelogin:
          reply(preloginReply());
          return;
        case PKT.login7: {
          const login = decodeLogin7(payload);
          logins.push(login);
          const refused = options.onLogin?.(login);
          if (refused) reply(Buffer.concat([errorToken(refused), doneToken(TOKEN.done, DONE_ERROR)]));
          else reply(loginAck(login.database || 'master'));
          return;
        }
        case PKT.sqlBatch: {
          const sql = payload.subarray(afterHeaders(payload)).toString('utf16le');
          const req: RecordedRequest = { kind: 'batch', sql, params: {} };
          const initial = isInitialSql(sql);
          if (!initial) requests.push(req);
          const err = initial ? undefined : options.onRequest?.(req);
          reply(
            err
              ? Buffer.concat([errorToken(err), doneToken(TOKEN.done, DONE_ERROR)])
              : doneToken(TOKEN.done, 0),
          );
          return;
        }
        case PKT.rpc: {
          const req = decodeRpc(payload);
          const setup = isInitialSql(req.sql);
          if (!setup) requests.push(req);
          const err = setup ? undefined : options.onRequest?.(req);
          const status = Buffer.from([TOKEN.returnStatus, 0, 0, 0, 0]);
          const set = setup || err ? undefined : options.resultFor?.(req);
          // A result set ends with DONEINPROC carrying its row count (DONE_COUNT), then the proc's status.
          const rows = set
            ? Buffer.concat([resultTokens(set), doneToken(TOKEN.doneInProc, DONE_COUNT, set.rows.length)])
            : Buffer.alloc(0);
          reply(
            err
              ? Buffer.concat([errorToken(err), status, doneToken(TOKEN.doneProc, DONE_ERROR)])
              : Buffer.concat([rows, status, doneToken(TOKEN.doneProc, 0)]),
          );
          return;
        }
        case PKT.attention:
          reply(doneToken(TOKEN.done, 0x0020));
          return;
        default:
          socket.destroy();
      }
    };

    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 8) {
        const len = pending.readUInt16BE(2);
        if (pending.length < len) break;
        const type = pending.readUInt8(0);
        const status = pending.readUInt8(1);
        message.push(pending.subarray(8, len));
        pending = pending.subarray(len);
        if (status & 0x01) {
          const payload = Buffer.concat(message);
          message = [];
          handle(type, payload);
        }
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    logins,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
