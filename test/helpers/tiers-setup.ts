// vitest globalSetup: says once per run which tier runs with which seed, so a failure can be
// replayed whichever way vitest was started (npm test, npm run test:slow, npx vitest run ...).
import { tierBanner } from "./tiers.ts";

export default function setup(): void {
  console.log(tierBanner());
}
