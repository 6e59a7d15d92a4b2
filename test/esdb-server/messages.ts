/**
 * The protocol messages the test server builds and parses: responses as the client reads them,
 * google.rpc.Status values with the packed details BatchAppend errors need.
 */
import { randomUUID } from 'node:crypto';
import type { Expected, ProposedEvent, StoredEvent, WriteOutcome } from './esdb-data.js';
import {
  DetailTypes,
  RpcCode,
  emptyPb,
  packDetails,
  serverFeaturesPb,
  sharedPb,
  statusPb,
  streamIdentifier,
  streamsPb,
  uuidMessage,
  uuidToString,
  type BatchAppendResp,
  type Code,
  type ReadResp,
  type RpcStatus,
  type StreamsPb,
  type Uuid,
} from './protocol.js';

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

export function eventResponse(event: StoredEvent, structuredIds: boolean): ReadResp {
  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(uuidMessage(event.id, structuredIds));
  recorded.setStreamIdentifier(streamIdentifier(event.streamName));
  recorded.setStreamRevision(event.revision.toString());
  recorded.setPreparePosition(event.position.toString());
  recorded.setCommitPosition(event.position.toString());
  const metadata = recorded.getMetadataMap();
  metadata.set('type', event.type);
  metadata.set('content-type', event.contentType);
  metadata.set('created', event.created.toString());
  recorded.setCustomMetadata(event.customMetadata);
  recorded.setData(event.data);
  const readEvent = new streamsPb.ReadResp.ReadEvent();
  readEvent.setEvent(recorded);
  readEvent.setCommitPosition(event.position.toString());
  const response = new streamsPb.ReadResp();
  response.setEvent(readEvent);
  return response;
}

export function confirmation(): ReadResp {
  const confirmed = new streamsPb.ReadResp.SubscriptionConfirmation();
  confirmed.setSubscriptionId(randomUUID());
  const response = new streamsPb.ReadResp();
  response.setConfirmation(confirmed);
  return response;
}

export function checkpoint(position: bigint): ReadResp {
  const reached = new streamsPb.ReadResp.Checkpoint();
  reached.setCommitPosition(position.toString());
  reached.setPreparePosition(position.toString());
  const response = new streamsPb.ReadResp();
  response.setCheckpoint(reached);
  return response;
}

export function caughtUpResponse(): ReadResp {
  const response = new streamsPb.ReadResp();
  response.setCaughtUp(new streamsPb.ReadResp.CaughtUp());
  return response;
}

export function toProposedEvent(message: StreamsPb.AppendReq.ProposedMessage | StreamsPb.BatchAppendReq.ProposedMessage): ProposedEvent | string {
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  const contentType = metadata.get('content-type');
  if (type === undefined) return 'Required Metadata Property \'type\' is missing';
  if (contentType === undefined) return 'Required Metadata Property \'content-type\' is missing';
  return {
    id: uuidToString(message.getId()) || randomUUID(),
    type,
    contentType,
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
}

export function appendExpected(options: StreamsPb.AppendReq.Options): Expected {
  if (options.hasRevision()) return BigInt(options.getRevision());
  if (options.hasNoStream()) return 'no_stream';
  if (options.hasStreamExists()) return 'stream_exists';
  return 'any';
}

export function batchExpected(options: StreamsPb.BatchAppendReq.Options): Expected {
  if (options.hasStreamPosition()) return BigInt(options.getStreamPosition());
  if (options.hasNoStream()) return 'no_stream';
  if (options.hasStreamExists()) return 'stream_exists';
  return 'any';
}

export function batchResponse(
  correlation: Uuid,
  name: string,
  options: StreamsPb.BatchAppendReq.Options,
  expected: Expected,
  outcome: WriteOutcome,
): BatchAppendResp {
  const response = new streamsPb.BatchAppendResp();
  response.setCorrelationId(correlation);
  response.setStreamIdentifier(streamIdentifier(name));
  if (options.hasStreamPosition()) response.setStreamPosition(options.getStreamPosition());
  else if (options.hasNoStream()) response.setNoStream(new emptyPb.Empty());
  else if (options.hasStreamExists()) response.setStreamExists(new emptyPb.Empty());
  else response.setAny(new emptyPb.Empty());
  switch (outcome.kind) {
    case 'stream-deleted': {
      const details = new sharedPb.StreamDeleted();
      details.setStreamIdentifier(streamIdentifier(name));
      response.setError(rpcStatus(RpcCode.NOT_FOUND, 'StreamDeleted', packDetails(details, DetailTypes.streamDeleted)));
      return response;
    }
    case 'wrong-expected-version': {
      const details = new sharedPb.WrongExpectedVersion();
      if (outcome.current < 0n) details.setCurrentNoStream(new emptyPb.Empty());
      else details.setCurrentStreamRevision(outcome.current.toString());
      if (expected === 'any') details.setExpectedAny(new emptyPb.Empty());
      else if (expected === 'no_stream') details.setExpectedNoStream(new emptyPb.Empty());
      else if (expected === 'stream_exists') details.setExpectedStreamExists(new emptyPb.Empty());
      else details.setExpectedStreamPosition(expected.toString());
      response.setError(
        rpcStatus(RpcCode.ALREADY_EXISTS, 'WrongExpectedVersion', packDetails(details, DetailTypes.wrongExpectedVersion)),
      );
      return response;
    }
    case 'success': {
      const success = new streamsPb.BatchAppendResp.Success();
      if (outcome.current < 0n) success.setNoStream(new emptyPb.Empty());
      else success.setCurrentRevision(outcome.current.toString());
      if (outcome.position === undefined) success.setNoPosition(new emptyPb.Empty());
      else {
        const position = new sharedPb.AllStreamPosition();
        position.setCommitPosition(outcome.position.toString());
        position.setPreparePosition(outcome.position.toString());
        success.setPosition(position);
      }
      response.setSuccess(success);
      return response;
    }
  }
}

export function rpcStatus(code: Code, message: string, details: ReturnType<typeof packDetails>): RpcStatus {
  const status = new statusPb.Status();
  status.setCode(code);
  status.setMessage(message);
  status.setDetails(details);
  return status;
}

export function timeoutStatus(): RpcStatus {
  return rpcStatus(RpcCode.DEADLINE_EXCEEDED, 'Timeout', packDetails(new sharedPb.Timeout(), DetailTypes.timeout));
}

export function maximumAppendSizeStatus(maxAppendSize: number): RpcStatus {
  const details = new sharedPb.MaximumAppendSizeExceeded();
  details.setMaxappendsize(maxAppendSize);
  return rpcStatus(RpcCode.INVALID_ARGUMENT, 'MaximumAppendSizeExceeded', packDetails(details, DetailTypes.maximumAppendSizeExceeded));
}

export function badRequest(message: string): RpcStatus {
  const details = new sharedPb.BadRequest();
  details.setMessage(message);
  return rpcStatus(RpcCode.INVALID_ARGUMENT, 'BadRequest', packDetails(details, DetailTypes.badRequest));
}
