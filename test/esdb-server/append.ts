/**
 * Streams/Append and Streams/BatchAppend. The client appends through BatchAppend (the server
 * features advertise it) and falls back to Append for calls with their own credentials; both
 * check the expected revision and the size limits as EventStoreDB does: an event's size is its
 * data and custom metadata bytes plus twice its type's length (.NET's Event.SizeOnDisk); an append
 * whose sizes add up to more than MaxAppendSize (default 1 MiB, 1,048,576: exactly that much is
 * taken) is refused, as is an event over MaxAppendEventSize (KurrentDB 24.10 on; no limit by default).
 */
import type * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import type { Expected, ProposedEvent, WriteOutcome } from './esdb-data.js';
import {
  DetailTypes, RpcCode, emptyPb, expectedRevisionOf, packDetails, sharedPb, statusPb, streamIdentifier, streamNameOf, streamsPb, uuidToString,
  type AppendReq, type AppendResp, type BatchAppendReq, type BatchAppendResp, type Code, type RpcStatus, type StreamsPb, type Uuid,
} from './protocol.js';
import type { RpcContext } from './rpc-context.js';
import { invalidArgument, maximumAppendEventSizeExceeded, maximumAppendSizeExceeded, requiredMetadataMissing, streamDeleted, type ServiceError } from './rpc-errors.js';

// ---- Streams/Append ----------------------------------------------------------------------------

export function append(context: RpcContext, call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>): void {
  let options: ReturnType<AppendReq['getOptions']>;
  const events: ProposedEvent[] = [];
  let size = 0;
  let failed = false;
  const fail = (error: ServiceError) => {
    if (failed) return;
    failed = true;
    callback(error);
  };
  call.on('data', (request: AppendReq) => {
    if (failed) return;
    if (request.hasOptions()) {
      options = request.getOptions();
      return;
    }
    if (!options || !request.hasProposedMessage()) return fail(invalidArgument('AppendReq: options must come first'));
    const proposed = toProposedEvent(request.getProposedMessage()!);
    if (typeof proposed === 'string') return fail(requiredMetadataMissing());
    const eventSize = sizeOnDisk(proposed);
    if (eventSize > context.maxAppendEventSize) {
      context.refused.appends++;
      return fail(maximumAppendEventSizeExceeded(proposed.id, eventSize, context.maxAppendEventSize));
    }
    size += eventSize;
    if (size > context.maxAppendSize) {
      context.refused.appends++;
      return fail(maximumAppendSizeExceeded(context.maxAppendSize));
    }
    events.push(proposed);
  });
  call.on('end', () => {
    if (failed) return;
    if (!options) return fail(invalidArgument('AppendReq: options are required'));
    const name = streamNameOf(options.getStreamIdentifier());
    const expected = appendExpected(options);
    const outcome = context.data.append(name, expected, events);
    if (outcome.kind === 'stream-deleted') return fail(streamDeleted(name));
    callback(null, appendResponse(expected, outcome));
  });
  call.on('error', () => {
    failed = true;
  });
}

function appendResponse(expected: Expected, outcome: Exclude<WriteOutcome, { kind: 'stream-deleted' }>): AppendResp {
  const response = new streamsPb.AppendResp();
  if (outcome.kind === 'wrong-expected-version') {
    // recent servers answer a conflict in the response, not as an RPC error
    const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
    if (outcome.current < 0n) wrong.setCurrentNoStream(new sharedPb.Empty());
    else wrong.setCurrentRevision(outcome.current.toString());
    if (expected === 'any') wrong.setExpectedAny(new sharedPb.Empty());
    else if (expected === 'no_stream') wrong.setExpectedNoStream(new sharedPb.Empty());
    else if (expected === 'stream_exists') wrong.setExpectedStreamExists(new sharedPb.Empty());
    else wrong.setExpectedRevision(expected.toString());
    response.setWrongExpectedVersion(wrong);
    return response;
  }
  const success = new streamsPb.AppendResp.Success();
  if (outcome.current < 0n) success.setNoStream(new sharedPb.Empty());
  else success.setCurrentRevision(outcome.current.toString());
  if (outcome.position === undefined) success.setNoPosition(new sharedPb.Empty());
  else {
    const position = new streamsPb.AppendResp.Position();
    position.setCommitPosition(outcome.position.toString());
    position.setPreparePosition(outcome.position.toString());
    success.setPosition(position);
  }
  response.setSuccess(success);
  return response;
}

// ---- Streams/BatchAppend -----------------------------------------------------------------------

interface PendingBatch {
  readonly correlation: Uuid;
  readonly name: string;
  readonly options: StreamsPb.BatchAppendReq.Options;
  readonly events: ProposedEvent[];
  size: number;
  readonly timer: NodeJS.Timeout | undefined;
}

export function batchAppend(context: RpcContext, call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void {
  const pending = new Map<string, PendingBatch>();
  const respond = (response: BatchAppendResp) => {
    if (!call.cancelled && !call.writableEnded) call.write(response);
  };
  const errorResponse = (correlation: Uuid, name: string, status: RpcStatus) => {
    const response = new streamsPb.BatchAppendResp();
    response.setCorrelationId(correlation);
    response.setStreamIdentifier(streamIdentifier(name));
    response.setError(status);
    return response;
  };
  const discardAll = () => {
    for (const batch of pending.values()) clearTimeout(batch.timer);
    pending.clear();
  };
  const onStop = () => discardAll();
  context.stopHandlers.add(onStop);
  const release = () => {
    discardAll();
    context.stopHandlers.delete(onStop);
  };

  call.on('data', (request: BatchAppendReq) => {
    const correlation = request.getCorrelationId() ?? new sharedPb.UUID();
    const key = uuidToString(correlation);
    if (request.hasOptions()) {
      const options = request.getOptions()!;
      const name = streamNameOf(options.getStreamIdentifier());
      const deadline = options.hasDeadline() ? options.getDeadline()!.toDate().getTime() : Infinity;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return respond(errorResponse(correlation, name, timeoutStatus()));
      const timer = Number.isFinite(remaining)
        ? setTimeout(() => {
            if (pending.delete(key)) respond(errorResponse(correlation, name, timeoutStatus()));
          }, remaining)
        : undefined;
      timer?.unref();
      pending.set(key, { correlation, name, options, events: [], size: 0, timer });
    }
    const batch = pending.get(key);
    if (!batch) return;
    const drop = () => {
      clearTimeout(batch.timer);
      pending.delete(key);
    };
    for (const message of request.getProposedMessagesList()) {
      const proposed = toProposedEvent(message);
      if (typeof proposed === 'string') {
        drop();
        return respond(errorResponse(correlation, batch.name, badRequest(proposed)));
      }
      const eventSize = sizeOnDisk(proposed);
      if (eventSize > context.maxAppendEventSize) {
        drop();
        context.refused.appends++;
        return respond(errorResponse(correlation, batch.name, maximumAppendEventSizeStatus()));
      }
      batch.size += eventSize;
      batch.events.push(proposed);
    }
    if (batch.size > context.maxAppendSize) {
      drop();
      context.refused.appends++;
      return respond(errorResponse(correlation, batch.name, maximumAppendSizeStatus(context.maxAppendSize)));
    }
    if (!request.getIsFinal()) return;
    drop();
    const expected = batchExpected(batch.options);
    const outcome = context.data.append(batch.name, expected, batch.events);
    respond(batchResponse(batch, expected, outcome));
  });
  call.on('end', () => {
    release();
    if (!call.writableEnded) call.end();
  });
  call.on('cancelled', release);
  call.on('error', release);
}

function batchResponse(batch: PendingBatch, expected: Expected, outcome: WriteOutcome): BatchAppendResp {
  const { correlation, name, options } = batch;
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
      response.setError(rpcStatus(RpcCode.ALREADY_EXISTS, 'WrongExpectedVersion', packDetails(details, DetailTypes.wrongExpectedVersion)));
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

// ---- what both share ---------------------------------------------------------------------------

/** EventStoreDB's Event.SizeOnDisk: data and metadata bytes, and the type at two bytes a UTF-16 unit */
export function sizeOnDisk(event: Pick<ProposedEvent, 'type' | 'data' | 'customMetadata'>): number {
  return event.data.length + event.customMetadata.length + event.type.length * 2;
}

function toProposedEvent(message: StreamsPb.AppendReq.ProposedMessage | StreamsPb.BatchAppendReq.ProposedMessage): ProposedEvent | string {
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

function appendExpected(options: StreamsPb.AppendReq.Options): Expected {
  return expectedRevisionOf(options, options.hasRevision() ? options.getRevision() : undefined);
}

function batchExpected(options: StreamsPb.BatchAppendReq.Options): Expected {
  return expectedRevisionOf(options, options.hasStreamPosition() ? options.getStreamPosition() : undefined);
}

function rpcStatus(code: Code, message: string, details: ReturnType<typeof packDetails>): RpcStatus {
  const status = new statusPb.Status();
  status.setCode(code);
  status.setMessage(message);
  status.setDetails(details);
  return status;
}

function timeoutStatus(): RpcStatus {
  return rpcStatus(RpcCode.DEADLINE_EXCEEDED, 'Timeout', packDetails(new sharedPb.Timeout(), DetailTypes.timeout));
}

function maximumAppendSizeStatus(maxAppendSize: number): RpcStatus {
  const details = new sharedPb.MaximumAppendSizeExceeded();
  details.setMaxappendsize(maxAppendSize);
  return rpcStatus(RpcCode.INVALID_ARGUMENT, 'MaximumAppendSizeExceeded', packDetails(details, DetailTypes.maximumAppendSizeExceeded));
}

/** the status KurrentDB answers in a BatchAppend; client 6.x knows no class for it and reports its message */
function maximumAppendEventSizeStatus(): RpcStatus {
  return rpcStatus(RpcCode.INVALID_ARGUMENT, 'MaximumAppendEventSizeExceeded', packDetails(new sharedPb.BadRequest(), 'event_store.client.MaximumAppendEventSizeExceeded'));
}

function badRequest(message: string): RpcStatus {
  const details = new sharedPb.BadRequest();
  details.setMessage(message);
  return rpcStatus(RpcCode.INVALID_ARGUMENT, 'BadRequest', packDetails(details, DetailTypes.badRequest));
}
