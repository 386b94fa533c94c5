// A next hop for the gateway bench: answers every OTLP/HTTP request 200 at once (or never, with
// SINK_STALL=1), reading and discarding the body. Prints its port on stdout.
import http from 'node:http';

const stall = process.env.SINK_STALL === '1';
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    if (stall) return;
    const type = String(req.headers['content-type'] ?? 'application/json');
    res.writeHead(200, { 'content-type': type });
    res.end(type.includes('protobuf') ? '' : '{}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
