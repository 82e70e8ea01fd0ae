// Starts dynalite on the given host and port, in memory. Started by the ledger's local run and tests.
// The process exits when its standard input closes, so it never outlives the JVM that started it,
// even when that JVM is killed with SIGKILL.
'use strict';
const dynalite = require('dynalite');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf('--' + name);
  return index >= 0 && index + 1 < args.length ? args[index + 1] : fallback;
};
const host = option('host', '127.0.0.1');
const port = Number(option('port', '8000'));
// --path DIR keeps the tables on disk (LevelDB) so they survive a restart; without it they live in memory.
const path = option('path', undefined);

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: path });
server.listen(port, host, (err) => {
  if (err) {
    console.error('dynalite failed to listen on ' + host + ':' + port + ': ' + err.message);
    process.exit(1);
  }
  console.log('dynalite listening on ' + host + ':' + port);
});

const stop = () => server.close(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
