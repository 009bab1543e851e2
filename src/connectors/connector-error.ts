// Connector errors are declared with the port (src/services/ports/connector-error.ts), so services
// can branch on them without importing a connector.
export { ConnectorError, type ConnectorErrorKind, isConnectorError } from "../services/ports/connector-error.ts";
