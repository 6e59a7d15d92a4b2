/** Streams/Delete (soft) and Streams/Tombstone (hard): the same checks, different response types. */
import type * as grpc from '@grpc/grpc-js';
import { expectedRevisionOf, streamNameOf, streamsPb, type DeleteReq, type DeleteResp, type StreamsPb, type TombstoneReq, type TombstoneResp } from './protocol.js';
import type { RpcContext } from './rpc-context.js';
import { invalidArgument, streamDeleted, wrongExpectedVersionError, type ServiceError } from './rpc-errors.js';

/** The position of the delete, or the error EventStoreDB raises. */
function deleteStream(context: RpcContext, options: StreamsPb.DeleteReq.Options | StreamsPb.TombstoneReq.Options | undefined, hard: boolean): ServiceError | bigint {
  if (!options) return invalidArgument('options are required');
  const name = streamNameOf(options.getStreamIdentifier());
  const expected = expectedRevisionOf(options, options.hasRevision() ? options.getRevision() : undefined);
  const outcome = context.data.deleteStream(name, expected, hard);
  if (outcome.kind === 'stream-deleted') return streamDeleted(name);
  if (outcome.kind === 'wrong-expected-version') {
    return wrongExpectedVersionError(hard ? 'Tombstone' : 'Delete', name, expected, outcome.current);
  }
  return outcome.position!;
}

interface PositionMessage {
  setCommitPosition(value: string): unknown;
  setPreparePosition(value: string): unknown;
}

/** The delete's position (commit and prepare are equal here) set on the response's own Position type. */
function at<P extends PositionMessage>(position: P, result: bigint): P {
  position.setCommitPosition(result.toString());
  position.setPreparePosition(result.toString());
  return position;
}

export function softDelete(context: RpcContext, call: grpc.ServerUnaryCall<DeleteReq, DeleteResp>, callback: grpc.sendUnaryData<DeleteResp>): void {
  const result = deleteStream(context, call.request.getOptions(), false);
  if (typeof result !== 'bigint') return callback(result);
  callback(null, new streamsPb.DeleteResp().setPosition(at(new streamsPb.DeleteResp.Position(), result)));
}

export function tombstone(context: RpcContext, call: grpc.ServerUnaryCall<TombstoneReq, TombstoneResp>, callback: grpc.sendUnaryData<TombstoneResp>): void {
  const result = deleteStream(context, call.request.getOptions(), true);
  if (typeof result !== 'bigint') return callback(result);
  callback(null, new streamsPb.TombstoneResp().setPosition(at(new streamsPb.TombstoneResp.Position(), result)));
}
