// af-xdp: our af_xdp RX vs dpdk-testpmd rxonly on net_af_xdp, same veth, same sender (Mpps).
import { kernelRxBench } from './lib/kernelrx.js';

export const description = 'af_xdp RX of 64 B frames on a veth: ours vs dpdk-testpmd net_af_xdp rxonly (Mpps)';

export default () => kernelRxBench('af-xdp', 'af_xdp');
