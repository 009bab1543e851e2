// A sub-collection's parent, enforced by the framework for every read and write: the parent must
// exist in the caller's workspace (else 404), and the child's queries are restricted to documents
// whose parent column holds the parent's id, so `/parents/A/children/<child of B>` is a 404.
import type { DocumentRepository, Scope } from "../../db/document-repository.ts";
import { AppError } from "../../domain/app-error.ts";
import type { CollectionDefinition, ParentOptions } from "./collection-definition.ts";
import type { RoutePath } from "./route-paths.ts";

export interface ParentScope {
  readonly parent: ParentOptions | undefined;
  /** Throws at start-up if a route of the collection does not carry the parent's parameter. */
  check(path: RoutePath, operationId: string): void;
  /** The scope of a request (undefined for top-level collections); 404 if the parent is not there. */
  require(customerId: string, params: Readonly<Record<string, string>>): Promise<Scope | undefined>;
}

export function parentScope(def: CollectionDefinition, base: RoutePath, repositories: ReadonlyMap<string, DocumentRepository>): ParentScope {
  const parent = def.parent;
  if (!parent) return { parent, check: () => {}, require: async () => undefined };
  const repository = repositories.get(parent.collection);
  if (!repository) throw new Error(`${def.name}: no repository for its parent collection ${parent.collection}`);
  const param = base.params.find((p) => p.name === parent.param);
  if (!param) throw new Error(`${def.name}: path ${def.path} has no {${parent.param}}`);
  return {
    parent,
    check(path, operationId) {
      if (!path.params.some((p) => p.name === parent.param && p.internal === param.internal)) {
        throw new Error(`${def.name}: ${operationId} (${path.template}) does not name the parent {${parent.param}}`);
      }
    },
    async require(customerId, params) {
      const value = params[param.internal] ?? "";
      // Answered in the same tick on SQLite; a parent of another workspace is simply not found.
      const now = repository.getRawNow(customerId, value);
      const found = now === undefined ? await repository.getRaw(customerId, value) : now;
      if (found === undefined || found === null) throw AppError.notFound(`${parent.what} '${value}' not found`);
      return { column: parent.column, value };
    },
  };
}
