// fwd-null-io: our io forwarder vs dpdk-testpmd io on net_null, one forwarding core (Mpps).
import { fwdNullBench } from './lib/fwdnull.js';

export const description = 'io fwd on two null ports, 1 core: ours vs dpdk-testpmd net_null (Mpps)';

export default () => fwdNullBench('fwd-null-io', 'io');
