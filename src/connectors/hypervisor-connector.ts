// The connector contract is a port the services declare (src/services/ports/hypervisor-connector.ts);
// connectors implement it under the names they have always used.
export type * from "../services/ports/hypervisor-connector.ts";
