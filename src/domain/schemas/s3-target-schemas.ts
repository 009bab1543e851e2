// The S3 targets an installation offers its cloud protection stores (OBR_S3_TARGETS names a JSON
// file of them): storage location (an AWS region id, "eu-west-1") -> the bucket that holds the
// cloud stores of that location. Credentials are the bucket's; each store keeps its own copy,
// wrapped under the master key, so a store keeps opening after the file changes.
import { type Static, Type } from "typebox";

export const S3TargetSchema = Type.Object(
  {
    /** e.g. "http://127.0.0.1:7480"; omitted: AWS S3 for the region. */
    endpoint: Type.Optional(Type.String({ pattern: "^https?://[^\\s/]+(/.*)?$" })),
    bucket: Type.String({ minLength: 3, maxLength: 63 }),
    region: Type.String({ minLength: 1, maxLength: 64 }),
    /** Path-style addressing (endpoint/bucket/key): what Ceph and MinIO answer without DNS set-up. */
    forcePathStyle: Type.Optional(Type.Boolean()),
    accessKeyId: Type.String({ minLength: 1 }),
    secretAccessKey: Type.String({ minLength: 1 }),
    /** Key prefix in the bucket under which obr keeps its stores ("team-a/"); stores go to <prefix>obr/<store id>/. */
    prefix: Type.Optional(Type.String({ pattern: "^([^/][^\\s]*/)?$", maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const S3TargetsSchema = Type.Record(Type.String({ pattern: "^[a-z]{2}-[a-z]+-[0-9]$" }), S3TargetSchema);

export type S3TargetConfig = Static<typeof S3TargetSchema>;
