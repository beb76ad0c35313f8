// Preload (node --import) that refuses every outbound TCP connection in this process: the stand-in
// for `unshare --net` where namespaces are not permitted. Local IPC (pipes, unix sockets) still works.
import net from 'node:net';

const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  const first = args[0];
  const ipc =
    typeof first === 'string' || (first && typeof first === 'object' && 'path' in first && first.path);
  if (ipc) return original.apply(this, args);
  const err = Object.assign(new Error('connect ECONNREFUSED (network refused by test)'), {
    code: 'ECONNREFUSED',
  });
  process.nextTick(() => this.destroy(err));
  return this;
};
