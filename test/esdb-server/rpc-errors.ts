/**
 * RPC errors as EventStoreDB raises them: a status code plus the trailing metadata the client turns
 * into its error classes (`exception`, `stream-name`, `expected-version`, …).
 */
import * as grpc from '@grpc/grpc-js';
import { expectedVersionNumber, type Expected } from './esdb-data.js';

export type ServiceError = Partial<grpc.StatusObject> & { code: grpc.status; details: string };

function metadataOf(entries: Record<string, string>): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return metadata;
}

export function streamDeleted(name: string): ServiceError {
  return {
    code: grpc.status.FAILED_PRECONDITION,
    details: `Event stream '${name}' is deleted.`,
    metadata: metadataOf({ exception: 'stream-deleted', 'stream-name': name }),
  };
}

export function wrongExpectedVersionError(operation: string, name: string, expected: Expected, current: bigint): ServiceError {
  const expectedNumber = expectedVersionNumber(expected);
  return {
    code: grpc.status.FAILED_PRECONDITION,
    details: `${operation} failed due to WrongExpectedVersion. Stream: ${name}, Expected version: ${expectedNumber}, Actual version: ${current}`,
    metadata: metadataOf({
      exception: 'wrong-expected-version',
      'stream-name': name,
      'expected-version': expectedNumber.toString(),
      'actual-version': current.toString(),
    }),
  };
}

export function maximumAppendSizeExceeded(maxAppendSize: number): ServiceError {
  return {
    code: grpc.status.INVALID_ARGUMENT,
    details: `Maximum Append Size of ${maxAppendSize} Exceeded.`,
    metadata: metadataOf({ exception: 'maximum-append-size-exceeded', 'maximum-append-size': String(maxAppendSize) }),
  };
}

/** KurrentDB's wording and metadata for an event over MaxAppendEventSize (the client 6.x knows no class for it) */
export function maximumAppendEventSizeExceeded(eventId: string, size: number, maxAppendEventSize: number): ServiceError {
  return {
    code: grpc.status.INVALID_ARGUMENT,
    details: `Event with Id: ${eventId}, Size: ${size}, exceeds Maximum Append Event Size of ${maxAppendEventSize}.`,
    metadata: metadataOf({
      exception: 'maximum-append-event-size-exceeded', 'event-id': eventId, 'proposed-event-size': String(size), 'maximum-append-event-size': String(maxAppendEventSize),
    }),
  };
}

export function requiredMetadataMissing(): ServiceError {
  return {
    code: grpc.status.INVALID_ARGUMENT,
    details: 'Required Metadata Properties are missing',
    metadata: metadataOf({ exception: 'missing-required-metadata-property', 'required-metadata-properties': 'type,content-type' }),
  };
}

export function invalidArgument(details: string): ServiceError {
  return { code: grpc.status.INVALID_ARGUMENT, details };
}

export function isServiceError(error: unknown): error is ServiceError {
  return typeof error === 'object' && error !== null && 'code' in error && typeof (error as { code: unknown }).code === 'number';
}
