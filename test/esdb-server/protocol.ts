/**
 * The wire types of EventStoreDB's gRPC protocol, taken from the client package's own generated
 * code so the test server speaks exactly what @eventstore/db-client expects (CommonJS modules,
 * loaded with createRequire; the same module instances the client uses, which matters because the
 * generated serializers check `instanceof`).
 */
import { createRequire } from 'node:module';
import type * as StreamsPb from '@eventstore/db-client/generated/streams_pb.js';
import type * as StreamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import type * as SharedPb from '@eventstore/db-client/generated/shared_pb.js';
import type * as StatusPb from '@eventstore/db-client/generated/status_pb.js';
import type * as ServerFeaturesPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import type * as ServerFeaturesGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import type * as GossipPb from '@eventstore/db-client/generated/gossip_pb.js';
import type * as GossipGrpc from '@eventstore/db-client/generated/gossip_grpc_pb.js';
import type { Code } from '@eventstore/db-client/generated/code_pb.js';
import type * as AnyPb from 'google-protobuf/google/protobuf/any_pb.js';
import type * as EmptyPb from 'google-protobuf/google/protobuf/empty_pb.js';

import type { Expected } from './esdb-data.js';

const require = createRequire(import.meta.url);

export const streamsPb = require('@eventstore/db-client/generated/streams_pb.js') as typeof StreamsPb;
export const streamsGrpc = require('@eventstore/db-client/generated/streams_grpc_pb.js') as typeof StreamsGrpc;
export const sharedPb = require('@eventstore/db-client/generated/shared_pb.js') as typeof SharedPb;
export const statusPb = require('@eventstore/db-client/generated/status_pb.js') as typeof StatusPb;
export const serverFeaturesPb = require('@eventstore/db-client/generated/serverfeatures_pb.js') as typeof ServerFeaturesPb;
export const serverFeaturesGrpc = require('@eventstore/db-client/generated/serverfeatures_grpc_pb.js') as typeof ServerFeaturesGrpc;
export const gossipPb = require('@eventstore/db-client/generated/gossip_pb.js') as typeof GossipPb;
export const gossipGrpc = require('@eventstore/db-client/generated/gossip_grpc_pb.js') as typeof GossipGrpc;
export const anyPb = require('google-protobuf/google/protobuf/any_pb.js') as typeof AnyPb;
export const emptyPb = require('google-protobuf/google/protobuf/empty_pb.js') as typeof EmptyPb;

export type { StreamsPb };
export type ReadReq = StreamsPb.ReadReq;
export type ReadResp = StreamsPb.ReadResp;
export type AppendReq = StreamsPb.AppendReq;
export type AppendResp = StreamsPb.AppendResp;
export type BatchAppendReq = StreamsPb.BatchAppendReq;
export type BatchAppendResp = StreamsPb.BatchAppendResp;
export type DeleteReq = StreamsPb.DeleteReq;
export type DeleteResp = StreamsPb.DeleteResp;
export type TombstoneReq = StreamsPb.TombstoneReq;
export type TombstoneResp = StreamsPb.TombstoneResp;
export type Uuid = SharedPb.UUID;
export type RpcStatus = StatusPb.Status;

/** google.rpc.Code values used in BatchAppend errors */
export const RpcCode = {
  INVALID_ARGUMENT: 3 as Code,
  DEADLINE_EXCEEDED: 4 as Code,
  NOT_FOUND: 5 as Code,
  ALREADY_EXISTS: 6 as Code,
} as const;
export type { Code };

/** the type names the client unpacks from google.rpc.Status details */
export const DetailTypes = {
  wrongExpectedVersion: 'event_store.client.WrongExpectedVersion',
  streamDeleted: 'event_store.client.StreamDeleted',
  timeout: 'event_store.client.Timeout',
  maximumAppendSizeExceeded: 'event_store.client.MaximumAppendSizeExceeded',
  badRequest: 'event_store.client.BadRequest',
} as const;

export function packDetails(message: { serializeBinary(): Uint8Array }, typeName: string): AnyPb.Any {
  const any = new anyPb.Any();
  any.pack(message.serializeBinary(), typeName);
  return any;
}

export function streamNameOf(identifier: SharedPb.StreamIdentifier | undefined): string {
  if (!identifier) return '';
  return Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

export function streamIdentifier(name: string): SharedPb.StreamIdentifier {
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(Uint8Array.from(Buffer.from(name, 'utf8')));
  return identifier;
}

/** The lowercase form of a UUID; the client always sends and asks for UUIDs as strings. */
export function uuidToString(uuid: Uuid | undefined): string {
  return uuid ? uuid.getString().toLowerCase() : '';
}

export function uuidMessage(id: string): Uuid {
  const uuid = new sharedPb.UUID();
  uuid.setString(id);
  return uuid;
}

/** The expected revision of an Append, BatchAppend, Delete or Tombstone request. */
export function expectedRevisionOf(options: { hasNoStream(): boolean; hasStreamExists(): boolean }, revision: string | undefined): Expected {
  if (revision !== undefined) return BigInt(revision);
  if (options.hasNoStream()) return 'no_stream';
  if (options.hasStreamExists()) return 'stream_exists';
  return 'any';
}
