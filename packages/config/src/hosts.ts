// Which bind addresses and Host header names only this machine can reach. `tokenmeter serve` and the
// gateway refuse to bind anything else without a token, and serve answers only loopback Host names
// when it has none (DNS rebinding). A leaf module: node:net only.
import { isIPv4, isIPv6 } from 'node:net';

/**
 * True for addresses only this machine can reach: `localhost`, 127.0.0.0/8 and ::1 in any of its
 * spellings (`::1`, `0:0:0:0:0:0:0:1`, `0000:…:0001`, `::0:1`), bracketed or not, any case.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  return isIPv6(h) && /^(?:0{0,4}:){2,7}0{0,3}1$/.test(h);
}
