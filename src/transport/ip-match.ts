import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** A matcher for client addresses (req.ip) against CIDRs; IPv4-mapped IPv6 counts as IPv4. */
export function ipMatcher(cidrs: readonly string[]): (ip: string | undefined) => boolean {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', bits = ''] = cidr.split('/');
    list.addSubnet(address, Number(bits), isIPv4(address) ? 'ipv4' : 'ipv6');
  }
  return (ip) => {
    const address = (ip ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    if (isIPv4(address)) return list.check(address, 'ipv4');
    return isIPv6(address) && list.check(address, 'ipv6');
  };
}

export const loopbackCidrs = ['127.0.0.0/8', '::1/128'] as const;
