// obr's own protocol for `obr orchestrator` processes (/obr/v1/orchestrator/...): announce and
// collect (public: the activation code and a poll secret only the process knows), then heartbeat,
// claim, renew, progress, complete and bundle upload, each authenticated by the credential issued
// at pairing (Authorization: Bearer obro.<id>.<secret>). Also the support bundle download, for
// API clients of the bundle's workspace.
import { createReadStream } from "node:fs";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { type Static, type TSchema, Type } from "typebox";
import { Value } from "typebox/value";
import { AppError } from "../../domain/app-error.ts";
import { DATA_ORCHESTRATORS_PATH } from "../../domain/inventory-paths.ts";
import {
  AnnounceSchema,
  ClaimSchema,
  CollectSchema,
  CompleteSchema,
  OrchestratorFactsSchema,
  ProgressSchema,
} from "../../domain/schemas/orchestrator-protocol-schemas.ts";
import type { RemoteJobBroker } from "../../jobs/remote-job-broker.ts";
import type { OrchestratorHeartbeats } from "../../services/infrastructure/orchestrator-heartbeats.ts";
import type { OrchestratorIdentity, OrchestratorPairing } from "../../services/infrastructure/orchestrator-pairing.ts";
import { MAX_BUNDLE_BYTES, SUPPORT_BUNDLES_PATH, type SupportBundles } from "../../services/infrastructure/support-bundles.ts";
import type { DataOrchestrators } from "../../services/inventory/data-orchestrators.ts";

export const ORCHESTRATOR_PROTOCOL_PATH = "/obr/v1/orchestrator";

export interface OrchestratorRouteDeps {
  pairing: OrchestratorPairing;
  heartbeats: OrchestratorHeartbeats;
  broker: RemoteJobBroker;
  bundles: SupportBundles;
  orchestrators: DataOrchestrators;
}

const HeartbeatSchema = Type.Object({ instance: Type.String({ format: "uuid" }), facts: OrchestratorFactsSchema }, { additionalProperties: false });
const InstanceSchema = Type.Object({ instance: Type.String({ format: "uuid" }) }, { additionalProperties: false });
const JobParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const PUBLIC = { public: true } as const;
const HIDDEN = { hide: true } as const;

/** Fastify validated the body against the same schema; this narrows its type without a cast. */
function read<S extends TSchema>(schema: S, value: unknown): Static<S> {
  if (Value.Check(schema, value)) return value;
  throw AppError.badRequest("body does not match the schema");
}

const lost = (jobId: string) => AppError.conflict(`this orchestrator process no longer holds job ${jobId} (its lease expired or it was unregistered)`);

export async function orchestratorRoutes(app: FastifyInstance, deps: OrchestratorRouteDeps): Promise<void> {
  const base = ORCHESTRATOR_PROTOCOL_PATH;
  const who = async (request: FastifyRequest): Promise<OrchestratorIdentity> => {
    const match = /^Bearer\s+(obro\.\S+)\s*$/i.exec(request.headers.authorization ?? "");
    const identity = match?.[1] ? await deps.pairing.authenticate(match[1]) : undefined;
    if (!identity) throw AppError.unauthenticated("send the credential issued at pairing: Authorization: Bearer obro.<id>.<secret> (it is revoked when the orchestrator is unregistered)");
    return identity;
  };

  // Every workspace has the embedded orchestrator: its record exists before the first read.
  const seen = new Set<string>();
  // Runs before every request: a callback hook, so requests that need nothing here (nearly all)
  // do not pay for a promise, and a synchronous GET stays synchronous.
  app.addHook("preHandler", (request, _reply, done) => {
    const principal = request.principal;
    if (!principal || !request.url.startsWith(DATA_ORCHESTRATORS_PATH) || seen.has(principal.customerId)) return done();
    deps.orchestrators.ensureEmbedded(principal.customerId).then(() => {
      seen.add(principal.customerId);
      done();
    }, done);
  });

  app.post(`${base}/activations`, { config: PUBLIC, schema: { ...HIDDEN, body: AnnounceSchema } }, async (request, reply) => {
    const body = read(AnnounceSchema, request.body);
    await deps.pairing.announce(body.activationCode, body.pollSecret, body.facts);
    return reply.code(204).send();
  });

  app.post<{ Params: { code: string } }>(`${base}/activations/:code/collect`, { config: PUBLIC, schema: { ...HIDDEN, body: CollectSchema } }, async (request) => {
    return deps.pairing.collect(request.params.code, read(CollectSchema, request.body).pollSecret);
  });

  app.post(`${base}/heartbeat`, { config: PUBLIC, schema: { ...HIDDEN, body: HeartbeatSchema } }, async (request) => {
    const identity = await who(request);
    await deps.heartbeats.beat(identity.customerId, identity.orchestratorId, read(HeartbeatSchema, request.body).facts);
    return { orchestratorId: identity.orchestratorId };
  });

  app.post(`${base}/jobs/claim`, { config: PUBLIC, schema: { ...HIDDEN, body: ClaimSchema } }, async (request, reply) => {
    const identity = await who(request);
    const job = await deps.broker.claim(identity, read(ClaimSchema, request.body).instance);
    return job ? job : reply.code(204).send();
  });

  app.post<{ Params: { id: string } }>(`${base}/jobs/:id/renew`, { config: PUBLIC, schema: { ...HIDDEN, params: JobParams, body: InstanceSchema } }, async (request, reply) => {
    const identity = await who(request);
    if (!(await deps.broker.renew(identity, read(InstanceSchema, request.body).instance, request.params.id))) throw lost(request.params.id);
    return reply.code(204).send();
  });

  app.post<{ Params: { id: string } }>(`${base}/jobs/:id/progress`, { config: PUBLIC, schema: { ...HIDDEN, params: JobParams, body: ProgressSchema } }, async (request, reply) => {
    const identity = await who(request);
    const body = read(ProgressSchema, request.body);
    if (!(await deps.broker.progress(identity, body.instance, request.params.id, body.percent, body.message))) throw lost(request.params.id);
    return reply.code(204).send();
  });

  app.post<{ Params: { id: string } }>(`${base}/jobs/:id/complete`, { config: PUBLIC, schema: { ...HIDDEN, params: JobParams, body: CompleteSchema } }, async (request, reply) => {
    const identity = await who(request);
    const body = read(CompleteSchema, request.body);
    const ended = await deps.broker.complete(identity, body.instance, request.params.id, body);
    if (!ended) throw lost(request.params.id);
    return reply.code(204).send();
  });

  await app.register(async (scope) => {
    scope.addContentTypeParser("application/gzip", { parseAs: "buffer", bodyLimit: MAX_BUNDLE_BYTES }, (_req, body, done) => done(null, body));
    scope.put<{ Params: { id: string }; Querystring: { instance: string } }>(
      `${base}/jobs/:id/support-bundle`,
      { config: PUBLIC, bodyLimit: MAX_BUNDLE_BYTES, schema: { ...HIDDEN, params: JobParams, querystring: InstanceSchema } },
      async (request) => {
        const identity = await who(request);
        if (!Buffer.isBuffer(request.body)) throw new AppError(415, "UNSUPPORTED_MEDIA_TYPE", "send the bundle as application/gzip");
        const saved = await deps.broker.saveBundle(identity, request.query.instance, request.params.id, request.body);
        if (!saved) throw lost(request.params.id);
        return saved;
      },
    );
  });

  app.get<{ Params: { id: string } }>(
    `${SUPPORT_BUNDLES_PATH}/:id`,
    { schema: { tags: ["data-orchestrators"], summary: "Download a support bundle (the id of the operation that generated it)", params: JobParams } },
    async (request, reply) => {
      const path = await deps.bundles.find(request.principal.customerId, request.params.id);
      if (!path) throw AppError.notFound(`support bundle '${request.params.id}' not found`);
      return reply
        .type("application/gzip")
        .header("content-disposition", `attachment; filename="obr-support-bundle-${request.params.id}.tar.gz"`)
        .send(createReadStream(path));
    },
  );
}
