/**
 * ServerFeatures/GetSupportedMethods and Gossip/Read: what the client asks before anything else,
 * to choose BatchAppend over Append and, for `esdb+discover://`, to find the leader.
 */
import { gossipPb, serverFeaturesPb, uuidMessage } from './protocol.js';

const SERVER_VERSION = '24.10.0';

export function supportedMethods() {
  const methods = new serverFeaturesPb.SupportedMethods();
  const add = (service: string, method: string, features: string[] = []) => {
    const supported = new serverFeaturesPb.SupportedMethod();
    supported.setServiceName(service);
    supported.setMethodName(method);
    supported.setFeaturesList(features);
    methods.addMethods(supported);
  };
  for (const method of ['read', 'append', 'batchappend', 'delete', 'tombstone']) {
    add('event_store.client.streams.streams', method, method === 'read' ? ['position', 'events'] : []);
  }
  add('event_store.client.server_features.serverfeatures', 'getsupportedmethods');
  add('event_store.client.gossip.gossip', 'read');
  methods.setEventStoreServerVersion(SERVER_VERSION);
  return methods;
}

/** A single-node cluster whose live leader is the server at `host:port`. */
export function clusterInfo(host: string, port: number, instanceId: string) {
  const endpoint = new gossipPb.EndPoint();
  endpoint.setAddress(host);
  endpoint.setPort(port);
  const member = new gossipPb.MemberInfo();
  member.setInstanceId(uuidMessage(instanceId));
  member.setTimeStamp((BigInt(Date.now()) * 10_000n).toString());
  member.setState(gossipPb.MemberInfo.VNodeState.LEADER);
  member.setIsAlive(true);
  member.setHttpEndPoint(endpoint);
  const info = new gossipPb.ClusterInfo();
  info.addMembers(member);
  return info;
}
