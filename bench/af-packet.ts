// af-packet: our af_packet RX vs dpdk-testpmd rxonly on net_af_packet, same veth, same sender (Mpps).
import { kernelRxBench } from './lib/kernelrx.js';

export const description = 'af_packet RX of 64 B frames on a veth: ours vs dpdk-testpmd net_af_packet rxonly (Mpps)';

export default () => kernelRxBench('af-packet', 'af_packet');
