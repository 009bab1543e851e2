// Every use case of protection store gateways: the lifecycle and the actions.
import { type GatewayActionUseCases, gatewayActionUseCases } from "./gateway-actions.ts";
import type { GatewayContext } from "./gateway-context.ts";
import { type GatewayLifecycleUseCases, gatewayLifecycleUseCases } from "./protection-store-gateways.ts";

export type GatewayUseCases = GatewayLifecycleUseCases & GatewayActionUseCases;

export const gatewayUseCases = (ctx: GatewayContext): GatewayUseCases => ({ ...gatewayLifecycleUseCases(ctx), ...gatewayActionUseCases(ctx) });
