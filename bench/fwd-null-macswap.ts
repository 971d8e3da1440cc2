// fwd-null-macswap: our macswap forwarder vs dpdk-testpmd macswap on net_null, one core (Mpps).
import { fwdNullBench } from './lib/fwdnull.js';

export const description = 'macswap fwd on two null ports, 1 core: ours vs dpdk-testpmd net_null (Mpps)';

export default () => fwdNullBench('fwd-null-macswap', 'macswap');
